/**
 * Line searches: given a descent direction d at x, choose a step length alpha along it.
 * - `strongWolfeLineSearch`: bracketing and zoom (Nocedal & Wright, Algorithms 3.5 and 3.6) with cubic
 *   interpolation, until sufficient decrease (Armijo) and the strong curvature condition both hold.
 *   Needs the loss and its gradient at each trial point.
 * - `backtrackingLineSearch`: alpha, alpha·factor, ... until sufficient decrease. Needs the loss only.
 * As chain members they take a direction as their input and return alpha·d, reading the loss function,
 * the loss and the raw gradient at x from `extras` (as `minimize` passes them). Every trial point is
 * reported (step info `lineSearch`, and so in the trace).
 */
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { treeMap } from "../core/tree.js";
import { valueAndGrad } from "../transforms/autodiff.js";
import { type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import type { Extras, GradientTransformation, LineSearchInfo, LineSearchTrial, StepInfo } from "./transform.js";
import { treeVdot } from "./treemath.js";

/** A point on the line: step length, loss, slope (directional derivative; null if not computed), and the gradient tree there. */
export interface LinePoint {
  alpha: number;
  loss: number;
  slope: number | null;
  grads?: unknown;
}

export interface StrongWolfeOptions {
  /** Sufficient-decrease constant (default 1e-4). */
  c1?: number;
  /** Curvature constant (default 0.9, for quasi-Newton directions; use 0.1 for nonlinear conjugate gradients). */
  c2?: number;
  /** The most loss-and-gradient evaluations per search (default 25). */
  maxEvals?: number;
  /** The first trial step (default 1: the natural step of a quasi-Newton direction). */
  initialStep?: number;
  /** The largest step tried while bracketing (default 1e10). */
  maxStep?: number;
}

/** The outcome of a line search: the accepted point (alpha 0 when it failed), every trial, and the status. */
export interface LineSearchResult {
  point: LinePoint;
  trials: LineSearchTrial[];
  status: LineSearchInfo["status"];
}

/** The minimiser of the cubic through two points with their slopes (Nocedal & Wright eq. 3.59), or NaN. */
function cubicMinimizer(a: LinePoint, b: LinePoint): number {
  const ga = a.slope!;
  const gb = b.slope!;
  const d1 = ga + gb - (3 * (a.loss - b.loss)) / (a.alpha - b.alpha);
  const disc = d1 * d1 - ga * gb;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b.alpha - a.alpha) * Math.sqrt(disc);
  return b.alpha - ((b.alpha - a.alpha) * (gb + d2 - d1)) / (gb - ga + 2 * d2);
}

/**
 * The strong-Wolfe line search on a scalar function of the step length. `evaluate(alpha)` returns the
 * loss and slope at x + alpha d; loss0 and slope0 are at alpha = 0 (slope0 must be negative). A NaN
 * or infinite loss at a trial counts as too long a step. Returns the first point meeting both strong
 * Wolfe conditions; if the evaluations run out, the best point meeting sufficient decrease ("armijo");
 * if none does, alpha 0 ("failed").
 * @example
 * const r = gn.optim.strongWolfe((a) => ({ alpha: a, loss: (a - 2) ** 2, slope: 2 * (a - 2) }), 4, -4);
 * r.point.alpha; // 2
 */
export function strongWolfe(evaluate: (alpha: number) => LinePoint, loss0: number, slope0: number, o: StrongWolfeOptions = {}): LineSearchResult {
  const c1 = o.c1 ?? 1e-4;
  const c2 = o.c2 ?? 0.9;
  const maxEvals = o.maxEvals ?? 25;
  const maxStep = o.maxStep ?? 1e10;
  if (!(c1 > 0 && c1 < c2 && c2 < 1)) throw new ValueError(`strongWolfe: need 0 < c1 < c2 < 1, got c1 = ${c1}, c2 = ${c2}`);
  const trials: LineSearchTrial[] = [];
  const origin: LinePoint = { alpha: 0, loss: loss0, slope: slope0 };
  const failed = (best: LinePoint | null): LineSearchResult =>
    best !== null && best.alpha > 0 ? { point: best, trials, status: "armijo" } : { point: origin, trials, status: "failed" };
  if (!(slope0 < 0) || !Number.isFinite(loss0)) return { point: origin, trials, status: "failed" };
  const armijo = (p: LinePoint) => Number.isFinite(p.loss) && p.loss <= loss0 + c1 * p.alpha * slope0;
  const curvature = (p: LinePoint) => p.slope !== null && Math.abs(p.slope) <= -c2 * slope0;
  let best: LinePoint | null = null;
  const trial = (alpha: number): LinePoint => {
    const p = evaluate(alpha);
    const ok = armijo(p);
    trials.push({ alpha, loss: p.loss, slope: p.slope, armijo: ok, curvature: Number.isFinite(p.loss) ? curvature(p) : false });
    if (ok && (best === null || p.loss < best.loss)) best = p;
    return p;
  };
  const zoom = (lo: LinePoint, hi: LinePoint): LineSearchResult => {
    while (trials.length < maxEvals) {
      const left = Math.min(lo.alpha, hi.alpha);
      const width = Math.abs(hi.alpha - lo.alpha);
      if (width <= 1e-16 * Math.max(1, lo.alpha)) break;
      let a = Number.isFinite(hi.loss) && hi.slope !== null && Number.isFinite(hi.slope) ? cubicMinimizer(lo, hi) : NaN;
      // Safeguard: stay inside the interval, away from its ends; otherwise bisect.
      if (!(a >= left + 0.1 * width && a <= left + 0.9 * width)) a = (lo.alpha + hi.alpha) / 2;
      const p = trial(a);
      if (!armijo(p) || p.loss >= lo.loss) hi = p;
      else {
        if (curvature(p)) return { point: p, trials, status: "wolfe" };
        if (p.slope! * (hi.alpha - lo.alpha) >= 0) hi = lo;
        lo = p;
      }
    }
    return failed(best);
  };
  let prev = origin;
  let alpha = o.initialStep ?? 1;
  while (trials.length < maxEvals) {
    const p = trial(alpha);
    if (!armijo(p) || (prev.alpha > 0 && p.loss >= prev.loss)) return zoom(prev, p);
    if (curvature(p)) return { point: p, trials, status: "wolfe" };
    if (p.slope! >= 0) return zoom(p, prev);
    if (alpha >= maxStep) break;
    prev = p;
    alpha = Math.min(2 * alpha, maxStep);
  }
  return failed(best);
}

export interface BacktrackingOptions {
  /** Sufficient-decrease constant (default 1e-4). */
  c1?: number;
  /** The factor the step shrinks by after each failed trial (default 0.5). */
  factor?: number;
  /** The most loss evaluations per search (default 30). */
  maxEvals?: number;
  /** The first trial step (default 1). */
  initialStep?: number;
}

/**
 * Backtracking (Armijo) line search on a scalar function of the step length: tries alpha =
 * initialStep, then multiplies it by `factor` until loss(alpha) <= loss0 + c1 alpha slope0. A NaN loss
 * counts as failing the test. Returns alpha 0 ("failed") if no trial passes.
 * @example gn.optim.backtracking((a) => (a - 0.3) ** 2, 0.09, -0.6).point.alpha // 0.5
 */
export function backtracking(loss: (alpha: number) => number, loss0: number, slope0: number, o: BacktrackingOptions = {}): LineSearchResult {
  const c1 = o.c1 ?? 1e-4;
  const factor = o.factor ?? 0.5;
  const maxEvals = o.maxEvals ?? 30;
  if (!(c1 > 0 && c1 < 1)) throw new ValueError(`backtracking: need 0 < c1 < 1, got ${c1}`);
  if (!(factor > 0 && factor < 1)) throw new ValueError(`backtracking: factor must be in (0, 1), got ${factor}`);
  const trials: LineSearchTrial[] = [];
  const origin: LinePoint = { alpha: 0, loss: loss0, slope: slope0 };
  if (!(slope0 < 0) || !Number.isFinite(loss0)) return { point: origin, trials, status: "failed" };
  let alpha = o.initialStep ?? 1;
  while (trials.length < maxEvals) {
    const f = loss(alpha);
    const ok = Number.isFinite(f) && f <= loss0 + c1 * alpha * slope0;
    trials.push({ alpha, loss: f, slope: null, armijo: ok, curvature: null });
    if (ok) return { point: { alpha, loss: f, slope: null }, trials, status: "armijo" };
    alpha *= factor;
  }
  return { point: origin, trials, status: "failed" };
}

function scalarOf(x: number | Tensor): number {
  return x instanceof Tensor ? x.item() : x;
}

/** @internal The line x + alpha d for a transform: the loss function, loss0 and slope0 at x from extras. */
function lineOf(op: string, direction: unknown, params: unknown, extras: Extras | undefined) {
  if (params === undefined) throw new ValueError(`${op}: update needs the current params (third argument)`);
  const lossFn = extras?.lossFn;
  if (typeof lossFn !== "function")
    throw new ValueError(`${op}: update needs the loss function: pass { lossFn, loss, grads } as extras (the fourth argument), or use gn.optim.minimize, which does`);
  let loss0 = extras!.loss;
  let grads0 = extras!.grads;
  if (loss0 === undefined || grads0 === undefined) [loss0, grads0] = valueAndGrad(lossFn)(params);
  const at = (alpha: number) => treeMap((p, d) => p.add(d.mul(alpha)), params, direction);
  return { lossFn, loss0: scalarOf(loss0!), slope0: treeVdot(grads0, direction), at };
}

/** The state of a line-search transform: how many searches it ran, and its constants. */
export interface LineSearchState<H> {
  count: number;
  hyper: H;
}

function finish(method: LineSearchInfo["method"], direction: unknown, loss0: number, slope0: number, r: LineSearchResult): { updates: unknown; info: StepInfo } {
  const alpha = r.point.alpha;
  const updates = treeMap((d) => d.mul(alpha), direction);
  const info: StepInfo = { lr: alpha, lineSearch: { method, loss0, slope0, trials: r.trials, alpha, status: r.status } };
  if (alpha > 0) info.evaluated = { loss: r.point.loss, grads: r.point.grads };
  return { updates, info };
}

type WolfeHyper = { c1: HyperValue; c2: HyperValue; maxEvals: HyperValue; initialStep: HyperValue; maxStep: HyperValue };

/**
 * A strong-Wolfe line search as a chain member (see `strongWolfe`): its input is a descent direction
 * d, its output alpha·d. Needs `extras.lossFn` (and uses `extras.loss` and `extras.grads`, the loss and
 * raw gradient at params, when given). Reports the trials, and the loss and gradient at the accepted
 * point so that `minimize` need not evaluate them again.
 * @example gn.optim.chain({ lbfgs: gn.optim.scaleByLbfgs(), lineSearch: gn.optim.strongWolfeLineSearch() })
 */
export function strongWolfeLineSearch(o: StrongWolfeOptions = {}): GradientTransformation<LineSearchState<WolfeHyper>> {
  const hyper = checkHyper("strongWolfeLineSearch", { c1: o.c1 ?? 1e-4, c2: o.c2 ?? 0.9, maxEvals: o.maxEvals ?? 25, initialStep: o.initialStep ?? 1, maxStep: o.maxStep ?? 1e10 });
  return {
    name: "strongWolfeLineSearch",
    init: () => ({ count: 0, hyper }),
    update(direction, state, params, extras) {
      const h = hyperValues("strongWolfeLineSearch", state.hyper, state.count);
      const { lossFn, loss0, slope0, at } = lineOf("strongWolfeLineSearch", direction, params, extras);
      const vg = valueAndGrad(lossFn);
      const evaluate = (alpha: number): LinePoint => {
        const [l, g] = vg(at(alpha));
        return { alpha, loss: scalarOf(l), slope: treeVdot(g, direction), grads: g };
      };
      const r = strongWolfe(evaluate, loss0, slope0, h);
      const { updates, info } = finish("strongWolfe", direction, loss0, slope0, r);
      return { updates, state: { ...state, count: state.count + 1 }, info };
    },
  };
}

type BacktrackingHyper = { c1: HyperValue; factor: HyperValue; maxEvals: HyperValue; initialStep: HyperValue };

/**
 * A backtracking (Armijo) line search as a chain member (see `backtracking`): its input is a descent
 * direction d, its output alpha·d. Needs `extras.lossFn`; evaluates the loss only.
 * @example gn.optim.lbfgs({ lineSearch: "backtracking" })
 */
export function backtrackingLineSearch(o: BacktrackingOptions = {}): GradientTransformation<LineSearchState<BacktrackingHyper>> {
  const hyper = checkHyper("backtrackingLineSearch", { c1: o.c1 ?? 1e-4, factor: o.factor ?? 0.5, maxEvals: o.maxEvals ?? 30, initialStep: o.initialStep ?? 1 });
  return {
    name: "backtrackingLineSearch",
    init: () => ({ count: 0, hyper }),
    update(direction, state, params, extras) {
      const h = hyperValues("backtrackingLineSearch", state.hyper, state.count);
      const { lossFn, loss0, slope0, at } = lineOf("backtrackingLineSearch", direction, params, extras);
      const r = backtracking((alpha) => scalarOf(lossFn(at(alpha))), loss0, slope0, h);
      const { updates, info } = finish("backtracking", direction, loss0, slope0, r);
      return { updates, state: { ...state, count: state.count + 1 }, info };
    },
  };
}
