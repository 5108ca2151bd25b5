/**
 * Training to the optimum: damped Newton on R(θ, w). Influence functions and implicit
 * differentiation are statements about the exact minimiser θ*(w), and checking them against
 * leave-one-out retraining needs every retrained model to be converged far below the effect being
 * measured; Newton reaches a gradient norm near machine precision in a handful of steps.
 */
import { ValueError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import type { TrainingProblem } from "./problem.js";

/** Options of `fitNewton`. */
export interface FitOptions {
  /** Starting parameters (default the model's initial values); warm-start retraining from θ*. */
  theta0?: Tensor;
  /** Stop when the largest |∂R/∂θ_k| is below this (default 1e-10). */
  tol?: number;
  /** At most this many Newton steps (default 50). */
  maxIter?: number;
}

/** What `fitNewton` returns. */
export interface FitResult {
  theta: Tensor;
  /** R(θ, w) at the end. */
  objective: number;
  /** Largest |∂R/∂θ_k| at the end. */
  gradNorm: number;
  iterations: number;
  /** The gradient fell below tol, or Newton steps stopped reducing it (float64 resolution reached). */
  converged: boolean;
  seconds: number;
}

/**
 * Minimises R(θ, w) by Newton's method with an Armijo backtracking line search. When the Hessian is
 * not positive definite (a non-convex model away from a minimum), a multiple of the identity is
 * added until its Cholesky factorisation succeeds (Levenberg damping). A NaN objective throws.
 * @example
 * const x = gn.tensor([[0], [1], [2], [3]], { dtype: "float64" });
 * const problem = gn.influence.trainingProblem(gn.influence.logisticRegression(1), { x, y: [0, 1, 0, 1] }, { l2: 0.01 });
 * const { theta, converged } = gn.influence.fitNewton(problem);
 */
export function fitNewton(problem: TrainingProblem, opts: FitOptions = {}): FitResult {
  const t0 = performance.now();
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 50;
  let theta = opts.theta0 ? ops.cast(opts.theta0, "float64") : problem.model.initial();
  let f = problem.objective(theta).item();
  if (!Number.isFinite(f)) throw new ValueError(`influence.fitNewton: the objective is ${f} at the starting point; check the data for NaN or infinite features`);
  let g = problem.gradient(theta);
  let gmax = maxAbs(g);
  let it = 0;
  let flat = false;
  while (gmax > tol && it < maxIter) {
    const h = problem.hessian(theta);
    const p = ops.neg(solveSpd(h, g, { jitter: true })!);
    const slope = ops.dot(g, p).item();
    // Near the optimum, -g·p (twice the predicted decrease) is below what R can resolve in float64,
    // so a line search on R sees only rounding; take the full Newton step while it still shrinks
    // the gradient, and stop when it no longer does.
    if (-slope <= 1e-12 * (1 + Math.abs(f))) {
      const next = ops.add(theta, p);
      const gNext = problem.gradient(next);
      const gmaxNext = maxAbs(gNext);
      it++;
      if (!(gmaxNext < gmax)) {
        flat = true;
        break;
      }
      theta = next;
      f = problem.objective(theta).item();
      g = gNext;
      gmax = gmaxNext;
      continue;
    }
    let step = 1;
    let next = theta;
    let fNext = f;
    for (let k = 0; k < 40; k++) {
      next = ops.add(theta, ops.mul(p, step));
      fNext = problem.objective(next).item();
      if (fNext <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    it++;
    if (!(fNext < f)) {
      flat = true; // no descent left at float64 resolution: θ is as good as it gets
      break;
    }
    theta = next;
    f = fNext;
    g = problem.gradient(theta);
    gmax = maxAbs(g);
  }
  return { theta, objective: f, gradNorm: gmax, iterations: it, converged: gmax <= tol || flat, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Solves H x = b for a symmetric positive definite H [P, P] and b [P] or [P, k] by Cholesky.
 * Returns null when H is not positive definite, unless `jitter` is set: then it adds
 * 1e-8·(1 + max|H_kk|)·10^j·I (j = 0, 1, ...) until the factorisation succeeds.
 * @example gn.influence.solveSpd(gn.tensor([[4, 2], [2, 5]], { dtype: "float64" }), gn.tensor([2, 3], { dtype: "float64" }))
 */
export function solveSpd(h: Tensor, b: Tensor, opts: { jitter?: boolean } = {}): Tensor | null {
  const n = h.shape[0];
  const vec = b.ndim === 1;
  const rhs = vec ? ops.reshape(b, [n, 1]) : b;
  const diag = ops.diagonal(h).toTypedArray();
  let scale = 1;
  for (const v of diag) scale = Math.max(scale, Math.abs(v));
  let a = h;
  for (let j = 0; j < 16; j++) {
    const l = ops.cholesky(a);
    if (allFinite(l)) {
      const y = ops.triangularSolve(l, rhs, { lower: true });
      const x = ops.triangularSolve(l, y, { lower: true, transposeA: true });
      return vec ? ops.reshape(x, [n]) : x;
    }
    if (!opts.jitter) return null;
    a = ops.add(h, ops.mul(ops.eye(n, n, { dtype: h.dtype }), 1e-8 * scale * 10 ** j));
  }
  throw new ValueError(`influence.solveSpd: the ${n}x${n} matrix has NaN entries or is far from positive definite`);
}

function allFinite(t: Tensor): boolean {
  const v = t.toTypedArray();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

/** @internal The largest absolute entry of a tensor. */
export function maxAbs(t: Tensor): number {
  const v = t.toTypedArray();
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}
