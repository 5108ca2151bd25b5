/**
 * Sensitivity of a metric to the sample weights, and the reweighting it suggests.
 *
 * The gradient d m(θ*(w)) / dw is `influence(...).values` (implicit differentiation through the
 * optimum, see influence.ts). A first-order model of the metric under new weights w' is
 *
 *   m(w') ≈ m(w) + Σ_i g_i (w'_i - w_i),  g = dm/dw.
 *
 * `suggestReweighting` moves the weights along -g (per row, or by one factor per cell such as
 * group × label) until that model reaches a target value; `verifyReweighting` retrains with the
 * new weights to see how far the prediction holds.
 */
import { ValueError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import { type FitOptions, type FitResult, fitNewton } from "./fit.js";
import type { InverseHvpOptions } from "./ihvp.js";
import { type InfluenceResult, type Quantity, influence } from "./influence.js";
import type { TrainingProblem } from "./problem.js";

/** What `weightSensitivity` returns. */
export interface WeightSensitivity {
  /** dm/dw_i for each training row. */
  gradient: Float64Array;
  /** m(θ*(w)). */
  value: number;
  /** The influence computation behind it. */
  influence: InfluenceResult;
}

/**
 * d m(θ*(w)) / d w_i for every training row: how the trained model's metric m would move if row i
 * counted a little more. Implicit differentiation through the optimum (`influence`), so θ must be
 * converged.
 * @example
 * const gap = gn.fairness.fairnessQuantity(model, train.x, groups, { metric: "demographic_parity" });
 * const sens = gn.influence.weightSensitivity(problem, fit.theta, gap);
 */
export function weightSensitivity(problem: TrainingProblem, theta: Tensor, metric: Quantity, opts: InverseHvpOptions = {}): WeightSensitivity {
  const inf = influence(problem, theta, metric, opts);
  return { gradient: inf.values, value: inf.value, influence: inf };
}

/** Options of `suggestReweighting`. */
export interface ReweightingOptions {
  /** The metric value to aim for under the first-order model (e.g. 0 for a gap). */
  target: number;
  /** "rows": every row's weight moves on its own (default); "cells": one factor per cell. */
  mode?: "rows" | "cells";
  /** For "cells": the cell of each row (e.g. group index × 2 + label). */
  cells?: ArrayLike<number>;
  /** No weight goes below this (default 0). */
  minWeight?: number;
  /**
   * At most this relative change of any weight (default 1: a weight may fall to minWeight or
   * double). Large moves leave the range where the first-order model holds.
   */
  maxChange?: number;
}

/** What `suggestReweighting` returns. */
export interface Reweighting {
  /** The suggested weights. */
  weights: Float64Array;
  /** For "cells": the factor each cell's weights are multiplied by. */
  cellFactors?: Float64Array;
  /** The metric before, and as the first-order model predicts it under the new weights. */
  before: number;
  predicted: number;
  /** False when the limits stopped the move before the target. */
  reachedTarget: boolean;
}

/**
 * The reweighting that the weight gradient suggests: w'(α) = clip(w - α g) per row (or one factor
 * per cell, 1 - α G_c with G_c = Σ_{i in c} w_i g_i), with α >= 0 found by bisection so that the
 * first-order prediction m + g·(w' - w) equals the target, within the limits minWeight and maxChange.
 * @example
 * const sens = gn.influence.weightSensitivity(problem, fit.theta, gap);
 * const rw = gn.influence.suggestReweighting(problem, sens, { target: sens.value / 2 });
 * const check = gn.influence.verifyReweighting(problem, fit.theta, gap, rw.weights);
 * // rw.predicted vs check.actual
 */
export function suggestReweighting(problem: TrainingProblem, sens: WeightSensitivity, opts: ReweightingOptions): Reweighting {
  const op = "influence.suggestReweighting";
  const g = sens.gradient;
  const w = problem.weights();
  const n = w.length;
  if (g.length !== n) throw new ValueError(`${op}: the gradient has ${g.length} entries but the problem has ${n} rows`);
  if (!Number.isFinite(opts.target)) throw new ValueError(`${op}: target must be a finite number, got ${opts.target}`);
  const minW = opts.minWeight ?? 0;
  const maxChange = opts.maxChange ?? 1;
  if (!(minW >= 0)) throw new ValueError(`${op}: minWeight must be >= 0, got ${minW}`);
  if (!(maxChange > 0)) throw new ValueError(`${op}: maxChange must be > 0, got ${maxChange}`);
  const mode = opts.mode ?? "rows";
  const before = sens.value;
  const want = opts.target - before;
  let weightsAt: (alpha: number) => { weights: Float64Array; factors?: Float64Array };
  if (mode === "rows") {
    weightsAt = (alpha) => ({
      weights: w.map((wi, i) => clamp(wi - alpha * g[i], Math.max(minW, wi * (1 - maxChange)), wi * (1 + maxChange))),
    });
  } else if (mode === "cells") {
    if (!opts.cells || opts.cells.length !== n) throw new ValueError(`${op}: mode "cells" needs cells, one cell index per row (${n})`);
    const cells = Int32Array.from(opts.cells);
    let k = 0;
    for (const c of cells) {
      if (!(c >= 0)) throw new ValueError(`${op}: cell indices must be integers >= 0, got ${c}`);
      k = Math.max(k, c + 1);
    }
    const gc = new Float64Array(k);
    for (let i = 0; i < n; i++) gc[cells[i]] += w[i] * g[i];
    weightsAt = (alpha) => {
      const factors = gc.map((G) => clamp(1 - alpha * G, 1 - maxChange, 1 + maxChange));
      return { weights: w.map((wi, i) => Math.max(minW, wi * factors[cells[i]])), factors };
    };
  } else throw new ValueError(`${op}: mode must be "rows" or "cells", got ${JSON.stringify(mode)}`);
  const change = (alpha: number) => {
    const nw = weightsAt(alpha).weights;
    let s = 0;
    for (let i = 0; i < n; i++) s += g[i] * (nw[i] - w[i]);
    return s;
  };
  // The predicted change is non-increasing in α for α >= 0; aim along -g when the target is below
  // the current value, along +g (negative α) when above.
  const sign = want < 0 ? 1 : -1;
  const reach = (alpha: number) => sign * change(sign * alpha);
  const goal = Math.abs(want);
  let hi = 1;
  const gg = g.reduce((a, v) => a + v * v, 0);
  if (gg > 0) hi = goal / gg;
  let reached = true;
  for (let i = 0; i < 200 && -reach(hi) < goal; i++) {
    const next = hi * 2;
    if (-reach(next) <= -reach(hi) * (1 + 1e-12)) {
      reached = false;
      break;
    }
    hi = next;
  }
  let lo = 0;
  if (reached) {
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (-reach(mid) < goal) lo = mid;
      else hi = mid;
    }
  }
  const alpha = sign * hi;
  const { weights, factors } = weightsAt(alpha);
  const predicted = before + change(alpha);
  return { weights, cellFactors: factors, before, predicted, reachedTarget: reached && Math.abs(predicted - opts.target) <= 1e-9 * (1 + Math.abs(opts.target)) };
}

/** What `verifyReweighting` returns. */
export interface ReweightingCheck {
  /** The metric at the original optimum. */
  before: number;
  /** The metric after retraining with the new weights. */
  actual: number;
  /** The retraining run (warm-started from θ). */
  fit: FitResult;
}

/**
 * Retrains with the new weights (Newton, warm-started from θ) and measures the metric again, to
 * compare with the first-order prediction.
 * @example
 * const check = gn.influence.verifyReweighting(problem, fit.theta, gap, rw.weights);
 * console.log(rw.predicted, check.actual);
 */
export function verifyReweighting(problem: TrainingProblem, theta: Tensor, metric: Quantity, weights: ArrayLike<number>, fitOpts: FitOptions = {}): ReweightingCheck {
  const before = metric(theta).item();
  const fit = fitNewton(problem.withWeights(weights), { theta0: theta, ...fitOpts });
  return { before, actual: metric(fit.theta).item(), fit };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
