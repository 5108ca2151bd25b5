/**
 * Fairness metrics by group for binary decisions: selection rate, accuracy, TPR / FPR / FNR / TNR,
 * precision, calibration; and the between-group summaries (demographic-parity difference and
 * ratio, equalized-odds and equal-opportunity differences), as Fairlearn defines them.
 *
 * Decisions may be hard (0/1) or expected decisions in [0, 1] (a randomized classifier, such as the
 * one exponentiated gradient returns): every count is a sum of ŷ_i or 1 - ŷ_i, so the rates are the
 * expected rates. A rate whose denominator is zero (TPR in a group with no positives) is NaN, and
 * the summaries skip NaN values (a summary over fewer than one defined group is NaN).
 */
import { ValueError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import type { Groups } from "./groups.js";

/** The inputs of a metric computation. */
export interface MetricInput {
  /** True labels, 0/1. */
  yTrue: ArrayLike<number> | Tensor;
  /** Decisions: 0/1, or expected decisions in [0, 1]. Default: scores > 0.5 (hard). */
  yPred?: ArrayLike<number> | Tensor;
  /** Predicted probabilities of class 1 (for calibration; and for yPred when it is absent). */
  scores?: ArrayLike<number> | Tensor;
  groups: Groups;
}

/** One group's rates. */
export interface GroupStats {
  group: string;
  /** Rows in the group (with bootstrap multiplicities: the resampled count). */
  count: number;
  /** Fraction of all rows. */
  share: number;
  /** Actual positive rate P(y = 1). */
  baseRate: number;
  /** P(ŷ = 1). */
  selectionRate: number;
  accuracy: number;
  /** True-positive rate P(ŷ = 1 | y = 1) (recall). */
  tpr: number;
  /** False-positive rate P(ŷ = 1 | y = 0). */
  fpr: number;
  /** False-negative rate P(ŷ = 0 | y = 1). */
  fnr: number;
  /** True-negative rate P(ŷ = 0 | y = 0). */
  tnr: number;
  /** P(y = 1 | ŷ = 1). */
  precision: number;
  /** Mean predicted probability (NaN without scores). */
  meanScore: number;
  /** meanScore - baseRate: > 0 when the model overestimates the group's positive rate. */
  calibrationGap: number;
  /** Expected calibration error over equal-width probability bins (NaN without scores). */
  ece: number;
}

/** Between-group summaries (max - min over groups; ratio min / max). */
export interface FairnessSummary {
  demographicParityDifference: number;
  demographicParityRatio: number;
  equalizedOddsDifference: number;
  equalOpportunityDifference: number;
  /** max - min FPR. */
  fprDifference: number;
  accuracyDifference: number;
  /** The largest ECE of any group. */
  maxCalibrationError: number;
}

/** The names of the summaries, in report order. @example for (const k of gn.fairness.SUMMARY_NAMES) console.log(k, report.summary[k]); */
export const SUMMARY_NAMES: readonly (keyof FairnessSummary)[] = [
  "demographicParityDifference",
  "demographicParityRatio",
  "equalizedOddsDifference",
  "equalOpportunityDifference",
  "fprDifference",
  "accuracyDifference",
  "maxCalibrationError",
];

/** The per-group rates that summaries and intervals are computed for. @example gn.fairness.RATE_NAMES.includes("tpr") // true */
export const RATE_NAMES = ["baseRate", "selectionRate", "accuracy", "tpr", "fpr", "fnr", "tnr", "precision", "meanScore", "calibrationGap", "ece"] as const;
export type RateName = (typeof RATE_NAMES)[number];

/** What `groupMetrics` returns. */
export interface GroupMetrics {
  attribute: string;
  groups: GroupStats[];
  overall: GroupStats;
  summary: FairnessSummary;
  /** Which groups have the lowest and highest selection rate and TPR. */
  extremes: { selectionRate: [string, string]; tpr: [string, string] };
}

/** @internal Inputs checked and turned into numbers. */
export interface PreparedInput {
  y: Float64Array;
  pred: Float64Array;
  scores: Float64Array | null;
  groups: Groups;
}

function numbers(op: string, what: string, v: ArrayLike<number> | Tensor, n: number): Float64Array {
  const a = v instanceof Tensor ? Float64Array.from(v.toTypedArray()) : Float64Array.from(v);
  if (a.length !== n) throw new ValueError(`${op}: ${what} has ${a.length} values but there are ${n} rows (groups.index); give one per row`);
  return a;
}

/** @internal */
export function prepareInput(op: string, input: MetricInput): PreparedInput {
  const n = input.groups.index.length;
  const y = numbers(op, "yTrue", input.yTrue, n);
  for (let i = 0; i < n; i++) if (y[i] !== 0 && y[i] !== 1) throw new ValueError(`${op}: yTrue[${i}] is ${y[i]}; labels must be 0 or 1`);
  const scores = input.scores === undefined ? null : numbers(op, "scores", input.scores, n);
  if (scores) for (let i = 0; i < n; i++) if (!(scores[i] >= 0 && scores[i] <= 1)) throw new ValueError(`${op}: scores[${i}] is ${scores[i]}; scores must be probabilities in [0, 1]`);
  let pred: Float64Array;
  if (input.yPred !== undefined) {
    pred = numbers(op, "yPred", input.yPred, n);
    for (let i = 0; i < n; i++) if (!(pred[i] >= 0 && pred[i] <= 1)) throw new ValueError(`${op}: yPred[${i}] is ${pred[i]}; decisions must be 0/1 or expected decisions in [0, 1]`);
  } else if (scores) pred = scores.map((s) => (s > 0.5 ? 1 : 0));
  else throw new ValueError(`${op}: give yPred (decisions) or scores (probabilities)`);
  return { y, pred, scores, groups: input.groups };
}

/** @internal Sufficient statistics of one group. */
export interface Counts {
  cnt: number;
  pos: number;
  sel: number;
  tp: number;
  fp: number;
  scoreSum: number;
  binCnt: Float64Array;
  binScore: Float64Array;
  binY: Float64Array;
}

function emptyCounts(bins: number): Counts {
  return { cnt: 0, pos: 0, sel: 0, tp: 0, fp: 0, scoreSum: 0, binCnt: new Float64Array(bins), binScore: new Float64Array(bins), binY: new Float64Array(bins) };
}

/** @internal Per-group counts (index k = group k, last = overall), with optional row multiplicities. */
export function accumulate(p: PreparedInput, bins: number, mult?: Float64Array): Counts[] {
  const k = p.groups.names.length;
  const out = Array.from({ length: k + 1 }, () => emptyCounts(bins));
  const n = p.y.length;
  for (let i = 0; i < n; i++) {
    const m = mult ? mult[i] : 1;
    if (m === 0) continue;
    const y = p.y[i];
    const h = p.pred[i];
    for (const c of [out[p.groups.index[i]], out[k]]) {
      c.cnt += m;
      c.pos += m * y;
      c.sel += m * h;
      c.tp += m * h * y;
      c.fp += m * h * (1 - y);
      if (p.scores) {
        const s = p.scores[i];
        const b = Math.min(bins - 1, Math.floor(s * bins));
        c.scoreSum += m * s;
        c.binCnt[b] += m;
        c.binScore[b] += m * s;
        c.binY[b] += m * y;
      }
    }
  }
  return out;
}

/** @internal Rates from counts. */
export function statsOf(group: string, c: Counts, total: number, hasScores: boolean): GroupStats {
  const neg = c.cnt - c.pos;
  const fn = c.pos - c.tp;
  const tn = neg - c.fp;
  const meanScore = hasScores ? c.scoreSum / c.cnt : NaN;
  let ece = NaN;
  if (hasScores && c.cnt > 0) {
    ece = 0;
    for (let b = 0; b < c.binCnt.length; b++) if (c.binCnt[b] > 0) ece += Math.abs(c.binScore[b] - c.binY[b]) / c.cnt;
  }
  const baseRate = c.pos / c.cnt;
  return {
    group,
    count: c.cnt,
    share: c.cnt / total,
    baseRate,
    selectionRate: c.sel / c.cnt,
    accuracy: (c.tp + tn) / c.cnt,
    tpr: c.tp / c.pos,
    fpr: c.fp / neg,
    fnr: fn / c.pos,
    tnr: tn / neg,
    precision: c.tp / c.sel,
    meanScore,
    calibrationGap: meanScore - baseRate,
    ece,
  };
}

function range(stats: GroupStats[], key: RateName): { min: number; max: number; argmin: string; argmax: string } {
  let min = Infinity;
  let max = -Infinity;
  let argmin = "";
  let argmax = "";
  for (const s of stats) {
    const v = s[key];
    if (Number.isNaN(v)) continue;
    if (v < min) [min, argmin] = [v, s.group];
    if (v > max) [max, argmax] = [v, s.group];
  }
  return min === Infinity ? { min: NaN, max: NaN, argmin, argmax } : { min, max, argmin, argmax };
}

/** @internal Between-group summaries of a list of group stats. */
export function summarize(stats: GroupStats[]): FairnessSummary {
  const sel = range(stats, "selectionRate");
  const tpr = range(stats, "tpr");
  const fpr = range(stats, "fpr");
  const acc = range(stats, "accuracy");
  const ece = range(stats, "ece");
  return {
    demographicParityDifference: sel.max - sel.min,
    demographicParityRatio: sel.max > 0 ? sel.min / sel.max : NaN,
    equalizedOddsDifference: Math.max(tpr.max - tpr.min, fpr.max - fpr.min),
    equalOpportunityDifference: tpr.max - tpr.min,
    fprDifference: fpr.max - fpr.min,
    accuracyDifference: acc.max - acc.min,
    maxCalibrationError: ece.max,
  };
}

/**
 * Per-group rates and between-group summaries of binary decisions (see the module notes).
 * `bins` (default 10) sets the equal-width probability bins of the calibration error.
 * @example
 * const groups = gn.fairness.groupBy({ sex: ["F", "F", "M", "M"] });
 * const m = gn.fairness.groupMetrics({ yTrue: [1, 0, 1, 0], yPred: [1, 0, 1, 1], groups });
 * m.summary.demographicParityDifference; // 1 - 0.5 = 0.5
 * m.groups[1].fpr;                        // 1 (the M row with y = 0 was selected)
 */
export function groupMetrics(input: MetricInput, opts: { bins?: number } = {}): GroupMetrics {
  const bins = opts.bins ?? 10;
  if (!Number.isInteger(bins) || bins < 1) throw new ValueError(`fairness.groupMetrics: bins must be an integer >= 1, got ${bins}`);
  const p = prepareInput("fairness.groupMetrics", input);
  const counts = accumulate(p, bins);
  const n = p.y.length;
  const has = p.scores !== null;
  const groups = p.groups.names.map((g, k) => statsOf(g, counts[k], n, has)).filter((s) => s.count > 0);
  const sel = range(groups, "selectionRate");
  const tpr = range(groups, "tpr");
  return {
    attribute: p.groups.attribute,
    groups,
    overall: statsOf("(all)", counts[counts.length - 1], n, has),
    summary: summarize(groups),
    extremes: { selectionRate: [sel.argmin, sel.argmax], tpr: [tpr.argmin, tpr.argmax] },
  };
}
