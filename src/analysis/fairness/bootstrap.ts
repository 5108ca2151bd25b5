/**
 * Bootstrap confidence intervals for the group rates and the between-group summaries: resample the
 * rows with replacement (seeded, so the same key gives the same intervals everywhere), recompute,
 * and read percentiles. Small groups get wide intervals: that is the point of reporting them.
 */
import { ValueError } from "../../core/errors.js";
import * as random from "../../random/index.js";
import { type FairnessSummary, type MetricInput, RATE_NAMES, type RateName, SUMMARY_NAMES, accumulate, groupMetrics, prepareInput, statsOf, summarize } from "./metrics.js";

/** A point estimate with a percentile interval. */
export interface Interval {
  /** The value on the data as given. */
  estimate: number;
  low: number;
  high: number;
  /** Standard deviation over the bootstrap samples. */
  se: number;
}

/** Options of `bootstrapMetrics`. */
export interface BootstrapOptions {
  /** Resamples (default 200). */
  samples?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
  /** Default key(0). */
  key?: random.Key;
  /** Calibration bins (default 10). */
  bins?: number;
}

/** What `bootstrapMetrics` returns. */
export interface BootstrapResult {
  samples: number;
  level: number;
  summary: Record<keyof FairnessSummary, Interval>;
  /** Per group name, per rate. */
  groups: Record<string, Record<RateName, Interval>>;
}

/**
 * Percentile bootstrap intervals for every summary and every group rate (see the module notes).
 * Resamples in which a value is undefined (a group drawn with no positives) are left out of that
 * value's interval.
 * @example
 * const ci = gn.fairness.bootstrapMetrics({ yTrue, yPred, groups }, { samples: 200, key: gn.random.key(1) });
 * ci.summary.demographicParityDifference; // { estimate, low, high, se }
 */
export function bootstrapMetrics(input: MetricInput, opts: BootstrapOptions = {}): BootstrapResult {
  const op = "fairness.bootstrapMetrics";
  const samples = opts.samples ?? 200;
  const level = opts.level ?? 0.95;
  const bins = opts.bins ?? 10;
  if (!Number.isInteger(samples) || samples < 2) throw new ValueError(`${op}: samples must be an integer >= 2, got ${samples}`);
  if (!(level > 0 && level < 1)) throw new ValueError(`${op}: level must be in (0, 1), got ${level}`);
  const p = prepareInput(op, input);
  const base = groupMetrics(input, { bins });
  const n = p.y.length;
  const has = p.scores !== null;
  const key = opts.key ?? random.key(0);
  const sumDraws: Record<string, number[]> = {};
  for (const s of SUMMARY_NAMES) sumDraws[s] = [];
  const groupDraws: Record<string, Record<string, number[]>> = {};
  for (const g of base.groups) {
    groupDraws[g.group] = {};
    for (const r of RATE_NAMES) groupDraws[g.group][r] = [];
  }
  const mult = new Float64Array(n);
  for (let b = 0; b < samples; b++) {
    mult.fill(0);
    const u = random.uniformValues(random.foldIn(key, b), n);
    for (let i = 0; i < n; i++) mult[Math.min(n - 1, Math.floor(u[i] * n))]++;
    const counts = accumulate(p, bins, mult);
    const stats = p.groups.names.map((g, j) => statsOf(g, counts[j], n, has)).filter((s) => s.count > 0);
    const sum = summarize(stats);
    for (const s of SUMMARY_NAMES) sumDraws[s].push(sum[s]);
    for (const st of stats) if (groupDraws[st.group]) for (const r of RATE_NAMES) groupDraws[st.group][r].push(st[r]);
  }
  const summary = {} as Record<keyof FairnessSummary, Interval>;
  for (const s of SUMMARY_NAMES) summary[s] = interval(base.summary[s], sumDraws[s], level);
  const groups: Record<string, Record<RateName, Interval>> = {};
  for (const g of base.groups) {
    groups[g.group] = {} as Record<RateName, Interval>;
    for (const r of RATE_NAMES) groups[g.group][r] = interval(g[r], groupDraws[g.group][r], level);
  }
  return { samples, level, summary, groups };
}

/**
 * The percentile interval of draws at the given level, with the standard deviation; NaN draws are
 * ignored (all-NaN draws give NaN bounds). Quantiles interpolate linearly between order statistics.
 * @example gn.fairness.interval(0.5, [0.1, 0.4, 0.5, 0.6, 0.9], 0.5) // { estimate: 0.5, low: 0.4, high: 0.6, se: ... }
 */
export function interval(estimate: number, draws: readonly number[], level: number): Interval {
  const v = draws.filter((d) => !Number.isNaN(d)).sort((a, b) => a - b);
  if (v.length === 0) return { estimate, low: NaN, high: NaN, se: NaN };
  const q = (p: number) => {
    const pos = p * (v.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(v.length - 1, lo + 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - lo);
  };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const se = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  const alpha = (1 - level) / 2;
  return { estimate, low: q(alpha), high: q(1 - alpha), se };
}
