/**
 * Influence summed by group: "which group's rows drive the bias". Influence values are additive to
 * first order (the predicted effect of changing several weights is the sum of their effects), so a
 * group's sum is the predicted effect of removing (or upweighting) the whole group a little.
 */
import { ValueError } from "../../core/errors.js";
import type { Groups } from "../fairness/groups.js";

/** One group's share of the influence. */
export interface GroupInfluence {
  /** The group, or "group, y=label" when split by label. */
  group: string;
  rows: number;
  /** Σ over the group's rows. */
  sum: number;
  /** The mean per row. */
  mean: number;
  /** Σ of the positive values, and of the negative ones. */
  positive: number;
  negative: number;
  /** sum / Σ |value| over all rows: the group's signed share of all the influence (NaN when every value is 0). */
  share: number;
}

/**
 * Sums influence values (from `influence`, `tracIn` or a weight gradient) by group, optionally split
 * by label (so "Female, y=1" and "Female, y=0" are separate cells). Sorted by |sum|, largest first.
 * @example
 * const groups = gn.fairness.groupBy({ sex: ["F", "M", "F"] });
 * gn.influence.aggregateByGroup(new Float64Array([0.1, -0.3, 0.2]), groups)[0]; // { group: "M", sum: -0.3, ... }
 */
export function aggregateByGroup(values: ArrayLike<number>, groups: Groups, opts: { labels?: ArrayLike<number> } = {}): GroupInfluence[] {
  const n = groups.index.length;
  if (values.length !== n) throw new ValueError(`influence.aggregateByGroup: ${values.length} values for ${n} rows`);
  if (opts.labels && opts.labels.length !== n) throw new ValueError(`influence.aggregateByGroup: ${opts.labels.length} labels for ${n} rows`);
  const cells = new Map<string, GroupInfluence>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const name = groups.names[groups.index[i]] + (opts.labels ? `, y=${opts.labels[i]}` : "");
    let c = cells.get(name);
    if (!c) {
      c = { group: name, rows: 0, sum: 0, mean: 0, positive: 0, negative: 0, share: 0 };
      cells.set(name, c);
    }
    const v = values[i];
    c.rows++;
    c.sum += v;
    if (v > 0) c.positive += v;
    else c.negative += v;
    total += Math.abs(v);
  }
  const out = [...cells.values()];
  for (const c of out) {
    c.mean = c.sum / c.rows;
    c.share = total !== 0 ? c.sum / total : NaN;
  }
  return out.sort((a, b) => Math.abs(b.sum) - Math.abs(a.sum));
}
