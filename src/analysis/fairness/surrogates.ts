/**
 * Differentiable stand-ins for fairness metrics, so influence and weight sensitivity can
 * differentiate them. A hard rate such as P(ŷ = 1 | a) is piecewise constant in the parameters
 * (its derivative is zero almost everywhere); its surrogate replaces the decision 1{z > 0} by the
 * predicted probability σ(z):
 *
 * - "demographic_parity": mean σ(z) over group a minus mean σ(z) over group b;
 * - "equal_opportunity": the same over the rows with y = 1 (a soft TPR gap);
 * - "fpr": the same over the rows with y = 0 (a soft FPR gap).
 *
 * The pair (a, b) is fixed when the quantity is built, by default the groups with the highest and
 * the lowest soft rate at the given parameters, so the gap is >= 0 there.
 */
import { ValueError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import type { Quantity } from "../influence/influence.js";
import type { BinaryClassifier } from "../influence/model.js";
import type { Groups } from "./groups.js";

/** Which soft gap. */
export type SurrogateMetric = "demographic_parity" | "equal_opportunity" | "fpr";

/** Options of `fairnessQuantity`. */
export interface SurrogateOptions {
  metric?: SurrogateMetric;
  /** The pair [a, b] of group names: the quantity is rate(a) - rate(b). */
  between?: readonly [string, string];
  /** Parameters at which to pick the pair with the largest gap (needed when `between` is absent). */
  at?: Tensor;
}

/** A surrogate gap with the pair it compares. */
export interface FairnessQuantity extends Quantity {
  metric: SurrogateMetric;
  between: [string, string];
  /** What it measures, for reports. */
  description: string;
}

/**
 * θ ↦ the soft gap of a fairness metric between two groups on a data set (see the module notes).
 * @example
 * const gap = gn.fairness.fairnessQuantity(model, { x, y }, groups, { metric: "demographic_parity", at: theta });
 * gap(theta).item(); // mean P(ŷ=1) in gap.between[0] minus that in gap.between[1]
 */
export function fairnessQuantity(model: BinaryClassifier, data: { x: Tensor; y?: ArrayLike<number> | Tensor }, groups: Groups, opts: SurrogateOptions = {}): FairnessQuantity {
  const op = "fairness.fairnessQuantity";
  const metric = opts.metric ?? "demographic_parity";
  const x = data.x.dtype === "float64" ? data.x : ops.cast(data.x, "float64");
  const n = x.shape[0];
  if (groups.index.length !== n) throw new ValueError(`${op}: the groups cover ${groups.index.length} rows but x has ${n}`);
  let cond: number | null = null;
  if (metric === "equal_opportunity") cond = 1;
  else if (metric === "fpr") cond = 0;
  else if (metric !== "demographic_parity") throw new ValueError(`${op}: metric must be "demographic_parity", "equal_opportunity" or "fpr", got ${JSON.stringify(metric)}`);
  let y: ArrayLike<number> | null = null;
  if (cond !== null) {
    if (data.y === undefined) throw new ValueError(`${op}: metric "${metric}" needs the labels y`);
    y = data.y instanceof Tensor ? data.y.toTypedArray() : data.y;
    if (y.length !== n) throw new ValueError(`${op}: y has ${y.length} labels but x has ${n} rows`);
  }
  const k = groups.names.length;
  // Averaging matrix M [k, n]: row g averages σ(z) over the rows of group g (meeting the condition).
  const cnt = new Float64Array(k);
  for (let i = 0; i < n; i++) if (cond === null || y![i] === cond) cnt[groups.index[i]]++;
  const m = new Float64Array(k * n);
  for (let i = 0; i < n; i++) if (cond === null || y![i] === cond) m[groups.index[i] * n + i] = 1 / cnt[groups.index[i]];
  const avg = ops.tensor(m, { dtype: "float64", shape: [k, n] });
  const rates = (theta: Tensor) => ops.reshape(ops.matmul(avg, ops.reshape(ops.sigmoid(model.logits(theta, x)), [n, 1])), [k]);
  let pair: [number, number];
  if (opts.between) {
    const ia = groups.names.indexOf(opts.between[0]);
    const ib = groups.names.indexOf(opts.between[1]);
    if (ia < 0 || ib < 0) throw new ValueError(`${op}: unknown group in between: ${JSON.stringify(opts.between)}; the groups are: ${groups.names.join(", ")}`);
    if (cnt[ia] === 0 || cnt[ib] === 0) throw new ValueError(`${op}: group "${groups.names[cnt[ia] === 0 ? ia : ib]}" has no rows${cond === null ? "" : ` with y = ${cond}`}`);
    pair = [ia, ib];
  } else {
    if (!opts.at) throw new ValueError(`${op}: give between: [a, b], or the parameters at which to pick the pair with the largest gap`);
    const r = rates(opts.at).toTypedArray();
    let hi = -1;
    let lo = -1;
    for (let g = 0; g < k; g++) {
      if (cnt[g] === 0) continue;
      if (hi < 0 || r[g] > r[hi]) hi = g;
      if (lo < 0 || r[g] < r[lo]) lo = g;
    }
    if (hi < 0 || hi === lo) throw new ValueError(`${op}: it takes two groups with rows${cond === null ? "" : ` with y = ${cond}`} to measure a gap`);
    pair = [hi, lo];
  }
  const sel = new Float64Array(k);
  sel[pair[0]] = 1;
  sel[pair[1]] = -1;
  const selT = ops.tensor(sel, { dtype: "float64" });
  const f = ((theta: Tensor) => ops.dot(selT, rates(theta))) as FairnessQuantity;
  const what = metric === "demographic_parity" ? "mean P(ŷ=1)" : metric === "equal_opportunity" ? "mean P(ŷ=1) over y=1 (soft TPR)" : "mean P(ŷ=1) over y=0 (soft FPR)";
  f.metric = metric;
  f.between = [groups.names[pair[0]], groups.names[pair[1]]];
  f.description = `${what} of ${groups.attribute}=${f.between[0]} minus that of ${f.between[1]}`;
  return f;
}
