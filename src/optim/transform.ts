/**
 * Gradient transformations: the building block of every optimizer. A transformation is a pair of pure
 * functions: `init(params)` makes its state (plain data: trees of tensors, numbers, schedules), and
 * `update(grads, state, params, extras)` turns gradients into updates and returns the next state. The
 * updates are added to the parameters by `applyUpdates`. Transformations compose with `chain`, which
 * names each piece so that its state is read by name (`state.adam.mu`), not by position.
 * See docs/optimizers.md.
 */
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { treeLeaves, treeMap, treeUnflatten } from "../core/tree.js";
import { cast } from "../ops/elementwise.js";
import { zerosLike } from "../ops/creation.js";
import { type Hyper, type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import { treeAllFinite } from "./treemath.js";
import { disposeDropped } from "./dispose.js";
import { NonFiniteError } from "../core/errors.js";

/** What an update may need besides the gradients: the loss at `params`, its gradient, and the loss function (for line searches). */
export interface Extras {
  /** The loss at `params` (a number or a scalar tensor). */
  loss?: number | Tensor;
  /** The raw gradient of the loss at `params` (a transform inside a chain sees the previous transform's output as `grads`). */
  grads?: unknown;
  /** The loss as a function of the parameters, returning a scalar tensor (line searches evaluate it at trial points). */
  lossFn?: (params: any) => Tensor;
}

/** One trial point of a line search: the step length, the loss there, its slope along the direction, and which conditions held. */
export interface LineSearchTrial {
  alpha: number;
  loss: number;
  /** d/dalpha of the loss along the direction (null when the search evaluated the loss only). */
  slope: number | null;
  /** The sufficient-decrease (Armijo) condition: loss <= loss0 + c1 alpha slope0. */
  armijo: boolean;
  /** The strong curvature condition |slope| <= c2 |slope0| (null when not evaluated). */
  curvature: boolean | null;
}

/** What a line search did in one step. */
export interface LineSearchInfo {
  method: "strongWolfe" | "backtracking";
  loss0: number;
  slope0: number;
  trials: LineSearchTrial[];
  /** The accepted step length (0 when the search failed to decrease the loss). */
  alpha: number;
  /** "wolfe": both strong-Wolfe conditions; "armijo": sufficient decrease only; "failed": no acceptable point. */
  status: "wolfe" | "armijo" | "failed";
}

/** A curvature pair (s, y) kept by L-BFGS, summarised: the step it was formed at, s·y and y·y. */
export interface CurvaturePair {
  step: number;
  sy: number;
  yy: number;
}

/** What L-BFGS did in one step. */
export interface LbfgsInfo {
  /** The pairs used to form this step's direction, oldest first. */
  pairsUsed: CurvaturePair[];
  /** Whether the pair formed from the previous step passed the curvature test s·y > eps y·y (null on the first step). */
  pairAccepted: boolean | null;
  /** The initial Hessian scale s·y / y·y of the newest pair (1/|g| on a step with no pairs). */
  gamma: number;
  /** True when the memory was cleared because the direction was not a descent direction. */
  reset: boolean;
}

/** A clipping event. */
export interface ClipInfo {
  kind: "globalNorm" | "value";
  /** Whether anything was changed. */
  clipped: boolean;
  /** Global norm before clipping (globalNorm). */
  norm?: number;
  /** The factor the updates were multiplied by (globalNorm). */
  scale?: number;
  /** How many elements were limited (value). */
  count?: number;
}

/** What a transformation reports about one update; `chain` merges its members' reports. The trace records them. */
export interface StepInfo {
  /** The learning rate (step size) this transform applied; a chain reports the product of its members'. */
  lr?: number;
  clip?: ClipInfo;
  /** The update was replaced by zeros (a non-finite gradient, or an accumulation step). */
  skipped?: boolean;
  /** The gradient held NaN or infinity. */
  nonFinite?: boolean;
  /** Gradients were accumulated and no update was made. */
  accumulating?: boolean;
  lineSearch?: LineSearchInfo;
  lbfgs?: LbfgsInfo;
  plateau?: { scale: number; best: number; badSteps: number; reduced: boolean };
  /** The loss (and gradient) at params + updates, when a line search computed them; `minimize` reuses them. */
  evaluated?: { loss: number; grads?: unknown };
}

/** The result of one update. */
export interface UpdateResult<S = any> {
  updates: any;
  state: S;
  info: StepInfo;
}

/**
 * A pair of pure functions that turn gradients into updates (to be added to the parameters).
 * `name` says what it is (used in traces and error messages).
 */
export interface GradientTransformation<S = any> {
  readonly name: string;
  init(params: unknown): S;
  update(grads: unknown, state: S, params?: unknown, extras?: Extras): UpdateResult<S>;
}

/** @internal Checks that `params` is given, naming the transform that needs it. */
export function needParams(op: string, params: unknown): unknown {
  if (params === undefined) throw new ValueError(`${op}: update needs the current params (pass them as the third argument of update)`);
  return params;
}

/** @internal Combines two step reports: learning rates multiply, flags OR, the rest: the later one wins. */
export function mergeInfo(a: StepInfo, b: StepInfo): StepInfo {
  const out: StepInfo = { ...a, ...b };
  if (a.lr !== undefined && b.lr !== undefined) out.lr = a.lr * b.lr;
  for (const k of ["skipped", "nonFinite", "accumulating"] as const) if (a[k] || b[k]) out[k] = true;
  return out;
}

/**
 * Runs transformations one after another, each on the previous one's updates. Give them as an object:
 * the keys name each member's state (`state.clip`, `state.adam`), and members run in key order.
 *
 * @example
 * const opt = gn.optim.chain({ clip: gn.optim.clipByGlobalNorm(1), adam: gn.optim.adam({ lr: 1e-3 }) });
 * let state = opt.init(params);
 * const { updates, state: next } = opt.update(grads, state, params);
 * state.adam.mu; // Adam's first moment, a tree like params
 */
export function chain<T extends Record<string, GradientTransformation>>(transforms: T): GradientTransformation<{ [K in keyof T]: ReturnType<T[K]["init"]> }> {
  if (transforms === null || typeof transforms !== "object" || Array.isArray(transforms))
    throw new ValueError("chain: give the transformations as an object of named members, e.g. chain({ clip: clipByGlobalNorm(1), adam: adam() })");
  const names = Object.keys(transforms);
  for (const k of names) {
    const t = transforms[k] as unknown as GradientTransformation;
    if (t === null || typeof t !== "object" || typeof t.init !== "function" || typeof t.update !== "function")
      throw new ValueError(`chain: member "${k}" is not a gradient transformation (an object with init and update)`);
  }
  type S = { [K in keyof T]: ReturnType<T[K]["init"]> };
  return {
    name: `chain(${names.map((k) => `${k}: ${transforms[k].name}`).join(", ")})`,
    init(params) {
      const state: Record<string, unknown> = {};
      for (const k of names) state[k] = transforms[k].init(params);
      return state as S;
    },
    update(grads, state, params, extras) {
      if (state === null || typeof state !== "object") throw new ValueError("chain: update got no state; pass the state returned by init (or by the previous update)");
      let updates = grads;
      let info: StepInfo = {};
      const next: Record<string, unknown> = { ...state };
      const passed: unknown[] = []; // the updates handed from one member to the next
      for (const k of names) {
        if (!(k in state)) throw new ValueError(`chain: the state has no member "${k}" (it has: ${Object.keys(state).join(", ")}); was it made by this chain's init?`);
        const r = transforms[k].update(updates, (state as Record<string, unknown>)[k], params, extras);
        if (updates !== grads) passed.push(updates);
        updates = r.updates;
        next[k] = r.state;
        info = mergeInfo(info, r.info ?? {});
      }
      // The chain made the intermediate updates and drops them: free those that nobody kept (a member
      // may return a tensor of its old state, which the caller holds, or keep one in its new state).
      disposeDropped(passed, [updates, next, state, grads, params, extras, info]);
      return { updates, state: next as S, info };
    },
  };
}

/**
 * params + updates, leaf by leaf; each update is cast to its parameter's dtype. With `checkFinite`,
 * throws a NonFiniteError instead of applying an update that holds NaN or infinity (otherwise such an
 * update is applied as it is: wrap the optimizer in `skipIfNotFinite`, or use `minimize`, which never
 * applies one).
 *
 * @example params = gn.optim.applyUpdates(params, updates);
 */
export function applyUpdates<T>(params: T, updates: unknown, opts: { checkFinite?: boolean } = {}): T {
  const pl = treeLeaves(params);
  const ul = treeLeaves(updates);
  if (pl.length !== ul.length)
    throw new ValueError(`applyUpdates: params have ${pl.length} tensors but updates have ${ul.length}; the updates must be shaped like the params`);
  if (opts.checkFinite && !treeAllFinite(updates)) throw new NonFiniteError("applyUpdates: the updates hold NaN or infinity; nothing was applied (check the gradients, or wrap the optimizer in gn.optim.skipIfNotFinite)");
  return treeUnflatten(params, pl.map((p, i) => {
    const u = ul[i].dtype === p.dtype ? ul[i] : cast(ul[i], p.dtype);
    const next = p.add(u);
    if (u !== ul[i]) u.dispose();
    return next;
  }));
}

/**
 * @internal Applies `fn` to matching leaves of several trees shaped like `template` (null trees are
 * passed as nulls) and returns one tree per output.
 */
export function mapLeaves(template: unknown, trees: readonly unknown[], nOut: number, fn: (...leaves: any[]) => Tensor[]): any[] {
  const base = treeLeaves(template);
  const lists = trees.map((t) => (t === null || t === undefined ? null : treeLeaves(t)));
  lists.forEach((l, k) => {
    if (l !== null && l.length !== base.length) throw new ValueError(`optimizer state mismatch: tree ${k} has ${l.length} tensors but the gradients have ${base.length}; was the state made by init on these params?`);
  });
  const outs: Tensor[][] = [];
  for (let i = 0; i < base.length; i++) {
    const r = fn(...lists.map((l) => (l === null ? null : l[i])));
    r.forEach((x, j) => (outs[j] ??= []).push(x));
  }
  if (base.length === 0) return new Array(nOut).fill(template);
  return outs.map((leaves) => treeUnflatten(template, leaves));
}

/**
 * @internal The temporaries of one leaf update, freed at its end: on backends with their own heap
 * (wasm) this keeps an optimizer step from filling it with intermediates. Tensors passed to `free`
 * (the results) are kept; tracers ignore dispose, so this is safe under transforms.
 */
export class Temporaries {
  private readonly list: Tensor[] = [];
  /** Registers x as a temporary and returns it. */
  t(x: Tensor): Tensor {
    this.list.push(x);
    return x;
  }
  /** Frees every temporary except `keep`. */
  free(...keep: (Tensor | null)[]): void {
    for (const x of this.list) if (!keep.includes(x)) x.dispose();
  }
}

/** The do-nothing transformation: updates = grads. @example gn.optim.identity() */
export function identity(): GradientTransformation<Record<string, never>> {
  return {
    name: "identity",
    init: () => ({}),
    update: (grads, state) => ({ updates: grads, state, info: {} }),
  };
}

/** Updates of zero (freezes parameters; use inside `masked`). @example gn.optim.masked(gn.optim.setToZero(), (path) => path.startsWith("frozen")) */
export function setToZero(): GradientTransformation<Record<string, never>> {
  return {
    name: "setToZero",
    init: () => ({}),
    update: (grads, state) => ({ updates: treeMap((g) => zerosLike(g), grads), state, info: {} }),
  };
}

/**
 * Multiplies the updates by a number held in `state.hyper.factor` (a number or a schedule).
 * @example gn.optim.scale(-0.1)
 */
export function scale(factor: HyperValue): GradientTransformation<{ count: number; hyper: { factor: HyperValue } }> {
  const hyper = checkHyper("scale", { factor });
  return {
    name: "scale",
    init: () => ({ count: 0, hyper }),
    update(grads, state) {
      const { factor } = hyperValues("scale", state.hyper, state.count);
      return { updates: treeMap((g) => g.mul(factor), grads), state: { ...state, count: state.count + 1 }, info: {} };
    },
  };
}

/**
 * Multiplies the updates by -lr (a number or a schedule, in `state.hyper.lr`): the last link of a
 * chain that starts from a direction such as `scaleByAdam`.
 * @example gn.optim.chain({ adam: gn.optim.scaleByAdam(), lr: gn.optim.scaleByLearningRate(1e-3) })
 */
export function scaleByLearningRate(lr: HyperValue): GradientTransformation<{ count: number; hyper: { lr: HyperValue } }> {
  const hyper = checkHyper("scaleByLearningRate", { lr });
  return {
    name: "scaleByLearningRate",
    init: () => ({ count: 0, hyper }),
    update(grads, state) {
      const h = hyperValues("scaleByLearningRate", state.hyper, state.count);
      return { updates: treeMap((g) => g.mul(-h.lr), grads), state: { ...state, count: state.count + 1 }, info: { lr: h.lr } };
    },
  };
}

export type { Hyper, HyperValue };
