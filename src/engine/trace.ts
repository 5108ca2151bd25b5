/**
 * The interpreter at the heart of every transform. Each op call ends in `bind(prim, inputs, params)`.
 * When no input is a tracer, the primitive runs on the backend at once (eager evaluation). Otherwise
 * the trace with the highest level among the inputs handles it: a forward-mode trace computes the
 * primal one level down and the tangent with the primitive's JVP rule; a reverse-mode trace computes
 * the primal one level down and records a node on its tape. Because rules are written in ordinary
 * differentiable ops, the work they do is itself traced by any lower-level transform, which is how
 * transforms nest to any order. Levels are unique, increasing ids, so nested transforms never confuse
 * their perturbations: a tensor that belongs to an outer transform is a constant to an inner one.
 * See docs/design/001-transforms.md.
 */
import type { Aval } from "../backends/backend.js";
import { getBackend } from "../backends/registry.js";
import { isFloat } from "../core/dtype.js";
import { LeakedTracerError, NonFiniteError, fmtShape } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { shapesEqual } from "../core/shape.js";
import type { Primitive } from "./primitive.js";
import { prims, type PrimName, type ParamsOf } from "../ops/prims/index.js";
import { add, broadcastTo, sumToShape } from "../ops/index.js";
import { enterTraced, leaveTraced, noteCreated, traceClosed, traceOpened } from "./scope.js";

export abstract class Trace {
  readonly level: number;
  private isAlive = true;
  constructor() {
    this.level = ++levelCounter;
    traceOpened();
  }
  /** True while the transform's function runs; tracers of a dead trace must not be used. */
  get alive(): boolean {
    return this.isAlive;
  }
  set alive(v: boolean) {
    if (this.isAlive && !v) traceClosed();
    this.isAlive = v;
  }
  abstract process(prim: PrimName, inputs: Tensor[], params: unknown): Tensor;
  /** The value of `x` one level below this trace. */
  lower(x: Tensor): Tensor {
    return x._trace === this ? x._primal! : x;
  }
}

let levelCounter = 0;

/** Shared empty lists of the tape's leaves (never mutated). */
const NO_TENSORS: Tensor[] = [];
const NO_PARENTS: readonly number[] = [];

/** The primitives by name in a Map, made on first use (after the circular imports settled): every op
 * looks its primitive up, and a Map lookup costs about half a keyed load with many different names. */
let primTable: Map<string, Primitive<never>> | null = null;
function primOf(name: PrimName): Primitive<never> {
  return (primTable ??= new Map(Object.entries(prims) as [string, Primitive<never>][])).get(name)!;
}

/** Applies primitive `name` to `inputs`: at once on the backend, or through the innermost transform. */
export function bind<N extends PrimName>(name: N, inputs: Tensor[], params: ParamsOf<N>): Tensor {
  let top: Trace | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]._trace;
    if (t !== null && (top === null || t.level > top.level)) top = t;
  }
  if (top === null) return evalPrim(name, inputs, params);
  if (!top.alive)
    throw new LeakedTracerError(
      `${name}: an input belongs to a transform (grad, jvp, vjp, ...) that has already returned. ` +
        `Tensors created inside a transformed function must not be kept and used after it returns; return them instead.`,
    );
  enterTraced();
  try {
    return top.process(name, inputs, params);
  } finally {
    leaveTraced();
  }
}

let debugNansOn = false;

/**
 * Turns on checking every op's output for NaN and infinity. When an op produces a non-finite value
 * from finite inputs, it throws a `NonFiniteError` naming that op and its input shapes. Slow: for
 * debugging only.
 *
 * @example
 * gn.debugNans(true);
 * gn.log(gn.tensor([0, 1])); // throws: "log produced -Infinity at index 0 from finite inputs ..."
 * gn.debugNans(false);
 */
export function debugNans(on = true): void {
  debugNansOn = on;
}

function evalPrim<N extends PrimName>(name: N, inputs: Tensor[], params: ParamsOf<N>): Tensor {
  const prim = primOf(name) as Primitive<ParamsOf<N>>;
  const backend = getBackend();
  const n = inputs.length;
  const data: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const x = inputs[i];
    if (x._backend === backend) data[i] = x._data;
    else data[i] = toBackendData(name, i, x);
  }
  // Concrete tensors are their own avals (shape and dtype): no per-op copy of the list.
  const avals: Aval[] = inputs;
  const out = prim.infer(avals, params);
  const storage = backend.exec(name, data, avals, params, out);
  const result = new Tensor(out.shape, out.dtype, storage, backend);
  noteCreated(result);
  if (debugNansOn && isFloat(out.dtype)) checkFinite(name, inputs, result);
  return result;
}

function toBackendData(op: string, index: number, x: Tensor): unknown {
  if (x._backend === null)
    throw new LeakedTracerError(`${op}: argument ${index} (shape ${fmtShape(x.shape)}) has been disposed`);
  const backend = getBackend();
  return backend.fromTyped(x._backend.read(x._data, x.dtype, x.size), x.dtype);
}

function firstNonFinite(x: Tensor): number {
  const v = x.toTypedArray();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i;
  return -1;
}

function checkFinite(name: string, inputs: Tensor[], out: Tensor): void {
  const at = firstNonFinite(out);
  if (at < 0) return;
  for (const x of inputs) if (isFloat(x.dtype) && firstNonFinite(x) >= 0) return; // not the first op to produce it
  const value = out.toTypedArray()[at];
  throw new NonFiniteError(
    `${name} produced ${value} at index ${at} from finite inputs (input shapes ${inputs.map((x) => fmtShape(x.shape)).join(", ")}, ` +
      `output shape ${fmtShape(out.shape)}). debugNans is on; see the stack trace for the call site.`,
  );
}

/** Forward mode: each tracer carries its primal and its tangent (null = zero). */
export class JvpTrace extends Trace {
  process(name: PrimName, inputs: Tensor[], params: unknown): Tensor {
    const n = inputs.length;
    const primals = new Array<Tensor>(n);
    const tangents = new Array<Tensor | null>(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const x = inputs[i];
      if (x._trace === this) {
        primals[i] = x._primal!;
        tangents[i] = x._tangent;
        if (x._tangent !== null) any = true;
      } else {
        primals[i] = x;
        tangents[i] = null;
      }
    }
    const out = bind(name, primals, params as never);
    const prim = primOf(name) as Primitive<unknown>;
    if (!any || !prim.differentiable || !isFloat(out.dtype)) return out;
    const tangent = prim.jvp(primals, tangents, params, out);
    if (tangent === null) return out;
    return this.tracer(out, tangent);
  }

  tracer(primal: Tensor, tangent: Tensor | null): Tensor {
    // A JVP rule may return a tangent of a broadcastable shape (e.g. a scalar); give it the primal's shape.
    if (tangent !== null && !shapesEqual(tangent.shape, primal.shape)) tangent = broadcastTo(tangent, primal.shape);
    return new Tensor(primal.shape, primal.dtype, null, null, this, primal, tangent);
  }
}


/** One entry on a reverse-mode tape. */
export interface TapeNode {
  /** null for an input (leaf) of the transform, or a node with a custom rule. */
  prim: PrimName | null;
  params: unknown;
  /** Input values one level down. */
  primals: Tensor[];
  /** Tape index of each input, or -1 for inputs that are constants to this trace (a plain array: cheaper to make than a typed one). */
  parents: readonly number[];
  out: Tensor;
  /** A custom reverse rule (customVjp / customJvp); replaces the primitive's rule. */
  custom?: (ct: Tensor) => (Tensor | null)[];
}

const NEEDS_BOTH = [true, true];
const NEEDS_FIRST = [true, false];
const NEEDS_SECOND = [false, true];
const NEEDS_ONE = [true];

/** Which inputs of a node need a cotangent (shared lists for the common one- and two-input cases; rules never mutate them). */
function needsOf(parents: readonly number[]): boolean[] {
  const n = parents.length;
  if (n === 1 && parents[0] >= 0) return NEEDS_ONE;
  if (n === 2) {
    const a = parents[0] >= 0;
    const b = parents[1] >= 0;
    if (a && b) return NEEDS_BOTH;
    if (a) return NEEDS_FIRST;
    if (b) return NEEDS_SECOND;
  }
  const needs = new Array<boolean>(n);
  for (let j = 0; j < n; j++) needs[j] = parents[j] >= 0;
  return needs;
}

/** Reverse mode: a tape of nodes in creation order, which is already a topological order. */
export class VjpTrace extends Trace {
  readonly nodes: TapeNode[] = [];

  process(name: PrimName, inputs: Tensor[], params: unknown): Tensor {
    const n = inputs.length;
    const primals = new Array<Tensor>(n);
    const parents = new Array<number>(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const x = inputs[i];
      if (x._trace === this) {
        primals[i] = x._primal!;
        parents[i] = x._node;
        any = true;
      } else {
        primals[i] = x;
        parents[i] = -1;
      }
    }
    const out = bind(name, primals, params as never);
    const prim = primOf(name) as Primitive<unknown>;
    if (!any || !prim.differentiable || !isFloat(out.dtype)) return out;
    return this.record({ prim: name, params, primals, parents, out });
  }

  /** Adds a node and returns the tracer for its output. */
  record(node: TapeNode): Tensor {
    const id = this.nodes.length;
    this.nodes.push(node);
    return new Tensor(node.out.shape, node.out.dtype, null, null, this, node.out, null, id);
  }

  /** A tracer for an input of the transform. */
  leaf(x: Tensor): Tensor {
    return this.record({ prim: null, params: null, primals: NO_TENSORS, parents: NO_PARENTS, out: x });
  }

  /**
   * Runs the tape backwards from `seeds` (node id -> cotangent) and returns the cotangent reaching
   * each node in `wanted` (undefined where none flows).
   */
  backward(seeds: Map<number, Tensor>, wanted: number[]): (Tensor | undefined)[] {
    const cts = new Array<Tensor | undefined>(this.nodes.length);
    let last = -1;
    for (const [id, ct] of seeds) {
      cts[id] = cts[id] === undefined ? ct : add(cts[id]!, ct);
      if (id > last) last = id;
    }
    let first = Infinity;
    for (const w of wanted) first = Math.min(first, w);
    for (let i = last; i >= 0 && i > first; i--) {
      const ct = cts[i];
      if (ct === undefined) continue;
      const node = this.nodes[i];
      const parents = node.parents;
      let gs: (Tensor | null)[];
      if (node.custom) gs = node.custom(ct);
      else if (node.prim === null) continue;
      else {
        const prim = primOf(node.prim) as Primitive<unknown>;
        if (!prim.differentiable) continue;
        gs = prim.vjp(ct, node.primals, node.params, node.out, needsOf(parents));
      }
      for (let j = 0; j < parents.length; j++) {
        const p = parents[j];
        const g = gs[j];
        if (p < 0 || g === null || g === undefined) continue;
        const gp = shapesEqual(g.shape, node.primals[j].shape) ? g : sumToShape(g, node.primals[j].shape);
        cts[p] = cts[p] === undefined ? gp : add(cts[p]!, gp);
      }
      cts[i] = undefined; // free it early: a long tape's memory falls as the sweep goes on
    }
    return wanted.map((w) => cts[w]);
  }
}
