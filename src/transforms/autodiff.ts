/**
 * The differentiation transforms. `vjp` (reverse mode) and `jvp` (forward mode) are the two
 * mechanisms; `grad`, `valueAndGrad` and the Jacobian/Hessian functions are built on them. Because
 * each call starts its own trace with a fresh level, they nest to any order and in any mix.
 * See docs/design/001-transforms.md.
 */
import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError, fmtShape } from "../core/errors.js";
import { shapesEqual } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import { treeLeaves, treeUnflatten } from "../core/tree.js";
import { JvpTrace, VjpTrace } from "../engine/trace.js";
import { releasing, traced } from "../engine/scope.js";
import { add, cast } from "../ops/elementwise.js";
import { onesLike, scalar, zerosLike } from "../ops/creation.js";

function checkDiffLeaf(op: string, x: Tensor, where: () => string): void {
  if (!isFloat(x.dtype))
    throw new DTypeError(
      `${op}: ${where()} has dtype ${x.dtype}; derivatives are taken with respect to float32/float64 inputs only. ` +
        `Cast it with .astype("float32"), or leave it out of argnums.`,
    );
}

/** Converts numbers in an argument tree to float scalars, so `grad(f)(3)` works. */
function asTreeOfTensors(x: unknown): unknown {
  if (typeof x === "number") return scalar(x);
  return x;
}

/**
 * Reverse mode: evaluates `f(...primals)` and returns its value with a pullback that maps an output
 * cotangent (a tree like the output) to the cotangents of every argument (an array, one tree per
 * argument). The pullback may be called many times.
 *
 * @example
 * const [y, pullback] = gn.vjp((x) => x.sin(), gn.tensor([0, 1]));
 * const [dx] = pullback(gn.ones([2])); // cos(x)
 */
export function vjp<Out>(f: (...args: any[]) => Out, ...primals: unknown[]): [Out, (ct: Out) => any[]] {
  const [out, pullback] = vjpArgnums(f, primals, primals.map((_, i) => i), false);
  return [out as Out, pullback as (ct: Out) => any[]];
}

/** @internal vjp over the arguments listed in `argnums`, optionally with an aux output ([out, aux]). */
export function vjpArgnums(f: (...args: any[]) => unknown, primals: unknown[], argnums: number[], hasAux: boolean, op = "vjp"): [unknown, (ct: unknown) => unknown[], unknown] {
  const trace = new VjpTrace();
  const leafIds: number[][] = [];
  const args = primals.map((a0, i) => {
    const a = asTreeOfTensors(a0);
    if (!argnums.includes(i)) return a;
    if (a instanceof Tensor) {
      // The common case, a tensor rather than a tree: no flattening.
      checkDiffLeaf(op, a, () => `argument ${i} (shape ${fmtShape(a.shape)})`);
      const t = trace.leaf(a);
      leafIds.push([t._node]);
      return t;
    }
    const leaves = treeLeaves(a);
    const ids: number[] = [];
    const traced = leaves.map((x, j) => {
      checkDiffLeaf(op, x, () => `argument ${i}${leaves.length > 1 ? `, leaf ${j}` : ""} (shape ${fmtShape(x.shape)})`);
      const t = trace.leaf(x);
      ids.push(t._node);
      return t;
    });
    leafIds.push(ids);
    return treeUnflatten(a, traced);
  });
  let result: unknown;
  try {
    result = f(...args);
  } finally {
    trace.alive = false;
  }
  let out = result;
  let aux: unknown = undefined;
  if (hasAux) {
    if (!Array.isArray(result) || result.length !== 2) throw new ValueError(`${op}: with hasAux the function must return [output, aux]`);
    [out, aux] = result;
    aux = treeUnflatten(aux, treeLeaves(aux).map((x) => trace.lower(x)));
  }
  const outLeaves: Tensor[] = out instanceof Tensor ? [out] : treeLeaves(out);
  const outNodes = outLeaves.map((o) => (o._trace === trace ? o._node : -1));
  const primalOut = out instanceof Tensor ? trace.lower(out) : treeUnflatten(out, outLeaves.map((o) => trace.lower(o)));
  const wanted = leafIds.length === 1 ? leafIds[0] : leafIds.flat();
  const pullback = (ct: unknown): unknown[] => {
    const cts = ct instanceof Tensor ? [ct] : treeLeaves(ct);
    if (cts.length !== outLeaves.length)
      throw new ValueError(`${op}: the cotangent has ${cts.length} tensors but the output has ${outLeaves.length}; pass a tree shaped like the output`);
    const seeds = new Map<number, Tensor>();
    cts.forEach((c, i) => {
      if (!shapesEqual(c.shape, outLeaves[i].shape))
        throw new ShapeError(`${op}: cotangent ${i} has shape ${fmtShape(c.shape)} but the output has shape ${fmtShape(outLeaves[i].shape)}`);
      const node = outNodes[i];
      if (node < 0) return;
      const cc = c.dtype === outLeaves[i].dtype ? c : cast(c, outLeaves[i].dtype);
      const prev = seeds.get(node);
      seeds.set(node, prev ? add(prev, cc) : cc);
    });
    const grads = trace.backward(seeds, wanted);
    let k = 0;
    return argnums.map((i) => {
      const a = args[i];
      if (a instanceof Tensor) return grads[k++] ?? zerosLike(a._primal ?? a);
      const leaves = treeLeaves(a).map((x) => {
        const g = grads[k++];
        return g ?? zerosLike(x._primal ?? x);
      });
      return treeUnflatten(a, leaves);
    });
  };
  return [primalOut, pullback, aux];
}

/**
 * Forward mode: evaluates `f(...primals)` and the directional derivative along `tangents` (one tree per
 * argument, shaped like it). Returns [output, output tangent].
 *
 * @example
 * const [y, dy] = gn.jvp((x) => x.mul(x), [gn.tensor([3])], [gn.tensor([1])]); // dy = 6
 */
export function jvp<Out>(f: (...args: any[]) => Out, primals: readonly unknown[], tangents: readonly unknown[]): [Out, Out] {
  // The outermost transform disposes its intermediates when it returns (src/engine/scope.ts).
  return releasing(() => jvpInner(f, primals, tangents), (r) => [r, primals, tangents]);
}

function jvpInner<Out>(f: (...args: any[]) => Out, primals: readonly unknown[], tangents: readonly unknown[]): [Out, Out] {
  if (primals.length !== tangents.length)
    throw new ValueError(`jvp: ${primals.length} primals but ${tangents.length} tangents; give one tangent tree per argument`);
  const trace = new JvpTrace();
  const args = primals.map((a0, i) => {
    const a = asTreeOfTensors(a0);
    const t0 = asTreeOfTensors(tangents[i]);
    if (a instanceof Tensor && t0 instanceof Tensor) return jvpLeaf(trace, i, a, t0); // no flattening
    const leaves = treeLeaves(a);
    const tl = treeLeaves(t0);
    if (tl.length !== leaves.length) throw new ValueError(`jvp: tangent ${i} has ${tl.length} tensors but primal ${i} has ${leaves.length}`);
    return treeUnflatten(
      a,
      leaves.map((x, j) => jvpLeaf(trace, i, x, tl[j])),
    );
  });
  let out: Out;
  try {
    out = f(...args);
  } finally {
    trace.alive = false;
  }
  if (out instanceof Tensor) {
    const t = out._trace === trace ? out._tangent : null;
    const p = trace.lower(out);
    return [p as Out, (t ?? zerosLike(p)) as Out];
  }
  const leaves = treeLeaves(out);
  const primalOut = treeUnflatten(out, leaves.map((o) => trace.lower(o)));
  const tangentOut = treeUnflatten(
    out,
    leaves.map((o) => {
      const p = trace.lower(o);
      const t = o._trace === trace ? o._tangent : null;
      return t ?? zerosLike(p);
    }),
  );
  return [primalOut, tangentOut];
}

/** The forward-mode tracer of primal x (argument i) with tangent t. */
function jvpLeaf(trace: JvpTrace, i: number, x: Tensor, t: Tensor): Tensor {
  checkDiffLeaf("jvp", x, () => `argument ${i} (shape ${fmtShape(x.shape)})`);
  if (!shapesEqual(t.shape, x.shape)) throw new ShapeError(`jvp: tangent ${i} has shape ${fmtShape(t.shape)} but its primal has shape ${fmtShape(x.shape)}`);
  return trace.tracer(x, t.dtype === x.dtype ? t : cast(t, x.dtype));
}

export interface GradOptions {
  /** Which positional arguments to differentiate: one index (the result is one tree) or several (an array of trees). Default 0. */
  argnums?: number | number[];
  /** The function returns [output, aux]; aux is passed through undifferentiated. */
  hasAux?: boolean;
}

function normArgnums(argnums: number | number[] | undefined, nargs: number, op: string): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === "number" ? [argnums] : argnums;
  for (const a of list)
    if (!Number.isInteger(a) || a < 0 || a >= nargs) throw new ValueError(`${op}: argnums ${a} is out of range for a call with ${nargs} argument(s)`);
  return list;
}

function checkScalarOut(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor)) throw new ValueError(`${op}: the function must return a scalar tensor, got ${out === null ? "null" : typeof out}${Array.isArray(out) ? " (an array: use hasAux for [loss, aux])" : ""}`);
  if (out.size !== 1)
    throw new ShapeError(`${op}: the function must return a scalar (one element), but it returned shape ${fmtShape(out.shape)}. Reduce it first (e.g. .sum() or .mean()), or use vjp/jacrev for non-scalar outputs.`);
  if (!isFloat(out.dtype)) throw new DTypeError(`${op}: the function returned dtype ${out.dtype}; it must return a float scalar`);
  return out;
}

/**
 * The value of a scalar function and its gradient with respect to the arguments in `argnums`.
 * With `hasAux`, the function returns [loss, aux] and the result is [[loss, aux], grads].
 *
 * @example
 * const [loss, g] = gn.valueAndGrad((w) => w.square().sum())(gn.tensor([1, 2])); // 5, [2, 4]
 */
export function valueAndGrad(f: (...args: any[]) => unknown, opts: GradOptions = {}): (...args: any[]) => [any, any] {
  // The outermost transform disposes its intermediates when it returns (src/engine/scope.ts).
  return (...args: unknown[]) =>
    releasing(() => {
      const argnums = normArgnums(opts.argnums, args.length, "grad");
      const [out, pullback, aux] = vjpArgnums(f, args, argnums, !!opts.hasAux, "grad");
      const y = checkScalarOut("grad", out);
      const seed = onesLike(y);
      const grads = traced(() => pullback(seed));
      const g = typeof opts.argnums === "object" ? grads : grads[0];
      return [opts.hasAux ? [y, aux] : y, g] as [any, any];
    }, (r) => [r, args]);
}

/**
 * The gradient of a scalar function with respect to argument 0 (or `argnums`). Nest it for higher
 * derivatives; mix it with jvp freely.
 *
 * @example
 * const df = gn.grad((x) => x.pow(3));       // 3x^2
 * const d2f = gn.grad((x) => df(x));         // 6x
 * d2f(gn.scalar(2)).item();                   // 12
 */
export function grad(f: (...args: any[]) => unknown, opts: GradOptions = {}): (...args: any[]) => any {
  const vg = valueAndGrad(f, opts);
  return (...args: unknown[]) => {
    const [v, g] = vg(...args);
    return opts.hasAux ? [g, v[1]] : g;
  };
}
