/**
 * Influence functions (Cook and Weisberg; Koh and Liang 2017) through implicit differentiation.
 *
 * At the trained optimum θ*(w), ∇_θ R(θ*, w) = 0. Differentiating that identity in w_i gives
 *
 *   H dθ* / dw_i + ∂(∇_θ R)/∂w_i = 0,  ∂(∇_θ R)/∂w_i = ∇l_i(θ*) / n
 *   =>  dθ* / dw_i = -(1/n) H^{-1} ∇l_i(θ*)
 *
 * so for any differentiable quantity f(θ) (a test loss, a prediction, a fairness surrogate)
 *
 *   df(θ*(w)) / dw_i = -(1/n) ∇f(θ*)ᵀ H^{-1} ∇l_i(θ*) = -(1/n) ∇l_i · s,  s = H^{-1} ∇f.
 *
 * One inverse-Hessian-vector product s and one forward-mode pass of the per-row losses along s give
 * the influence of every training row at once; no per-row gradient is ever formed.
 */
import { ValueError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import { valueAndGrad } from "../../transforms/autodiff.js";
import { solveSpd } from "./fit.js";
import { type InverseHvpOptions, type InverseHvpResult, inverseHvp } from "./ihvp.js";
import type { Rows, TrainingProblem } from "./problem.js";

/** A differentiable scalar of the parameters: a test loss, a prediction, a fairness surrogate. */
export type Quantity = (theta: Tensor) => Tensor;

/** What `influence` returns. */
export interface InfluenceResult {
  /** df(θ*(w)) / dw_i for each training row: the first-order change of f per unit of weight added to row i. */
  values: Float64Array;
  /** The predicted change of f when row i is removed (its weight set to 0): -w_i · values[i]. */
  removal: Float64Array;
  /** f(θ*). */
  value: number;
  /** s = (H + δI)^{-1} ∇f(θ*), the direction the rows are scored along. */
  direction: Tensor;
  /** How s was computed (method, iterations, residual, seconds). */
  solve: Omit<InverseHvpResult, "x">;
  seconds: number;
}

/**
 * The influence of every training row on a quantity f at the trained optimum θ* (see the module
 * notes): `values[i]` = df/dw_i, `removal[i]` = the leave-one-out change it predicts. The Hessian
 * solve is "exact", "cg" or "lissa" (see `inverseHvp`). θ should be converged (`fitNewton`); at a
 * point with a large gradient the implicit-function formula does not hold.
 * @example
 * const fit = gn.influence.fitNewton(problem);
 * const testLoss = gn.influence.meanLoss(problem.model, test);
 * const inf = gn.influence.influence(problem, fit.theta, testLoss);
 * gn.influence.topRows(inf.removal, 5); // the 5 rows whose removal would raise the test loss most
 */
export function influence(problem: TrainingProblem, theta: Tensor, f: Quantity, opts: InverseHvpOptions = {}): InfluenceResult {
  const t0 = performance.now();
  const [v, g] = valueAndGrad(f)(theta) as [Tensor, Tensor];
  if (v.size !== 1) throw new ValueError(`influence.influence: the quantity must return a scalar, got shape [${v.shape.join(", ")}]`);
  const { x: s, ...solve } = inverseHvp(problem, theta, g, opts);
  const dots = problem.perSampleDirectional(theta, s);
  const w = problem.weights();
  const values = new Float64Array(problem.n);
  const removal = new Float64Array(problem.n);
  for (let i = 0; i < problem.n; i++) {
    values[i] = -dots[i] / problem.n;
    removal[i] = -w[i] * values[i];
  }
  return { values, removal, value: v.item(), direction: s, solve, seconds: (performance.now() - t0) / 1000 };
}

/** Options of `selfInfluence`. */
export interface SelfInfluenceOptions extends InverseHvpOptions {
  /** Only these rows (default all). With "cg" or "lissa" each row costs one solve, so pass a few. */
  rows?: Rows;
}

/**
 * Self-influence: for each row, the predicted increase of its own loss when it is removed from
 * training, (w_i / n) ∇l_iᵀ H^{-1} ∇l_i >= 0. Rows the model can only fit by bending towards them
 * (often mislabelled ones) score high. "exact" uses per-row gradients and one Cholesky factorisation.
 * @example
 * const s = gn.influence.selfInfluence(problem, fit.theta);
 * gn.influence.topRows(s, 10); // the rows to inspect first for label noise
 */
export function selfInfluence(problem: TrainingProblem, theta: Tensor, opts: SelfInfluenceOptions = {}): Float64Array {
  const rows = opts.rows ? Int32Array.from(opts.rows) : null;
  const m = rows ? rows.length : problem.n;
  const w = problem.weights();
  const out = new Float64Array(m);
  const method = opts.method ?? (problem.model.size <= 2000 ? "exact" : "cg");
  if (method === "exact") {
    let h = opts.hessian ?? problem.hessian(theta);
    const p = problem.model.size;
    if (opts.damping) h = ops.add(h, ops.mul(ops.eye(p, p, { dtype: "float64" }), opts.damping));
    const chunk = 4096;
    for (let start = 0; start < m; start += chunk) {
      const idx = Int32Array.from({ length: Math.min(chunk, m - start) }, (_, k) => (rows ? rows[start + k] : start + k));
      const g = problem.perSampleGradients(theta, idx);
      const x = solveSpd(h, ops.transpose(g), { jitter: true })!;
      const q = ops.sum(ops.mul(g, ops.transpose(x)), 1).toTypedArray();
      for (let k = 0; k < idx.length; k++) out[start + k] = (w[idx[k]] / problem.n) * q[k];
    }
    return out;
  }
  for (let k = 0; k < m; k++) {
    const i = rows ? rows[k] : k;
    const g = ops.reshape(problem.perSampleGradients(theta, [i]), [problem.model.size]);
    const { x } = inverseHvp(problem, theta, g, opts);
    out[k] = (w[i] / problem.n) * ops.dot(g, x).item();
  }
  return out;
}

/**
 * The indices of the k largest values (or smallest, or largest in absolute value), best first.
 * NaN values are never picked.
 * @example gn.influence.topRows(new Float64Array([0.1, -3, 2]), 2) // [2, 0]
 */
export function topRows(values: ArrayLike<number>, k: number, opts: { by?: "largest" | "smallest" | "abs" } = {}): number[] {
  const by = opts.by ?? "largest";
  const key = (v: number) => (by === "largest" ? v : by === "smallest" ? -v : Math.abs(v));
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) idx.push(i);
  idx.sort((a, b) => key(values[b]) - key(values[a]) || a - b);
  return idx.slice(0, Math.max(0, k));
}
