/**
 * Evaluation metrics (`gn.metrics`): plain numbers from tensors or arrays, following scikit-learn's
 * definitions (checked against sklearn 1.2 in test/fixtures/metrics.json). Metrics are for reporting,
 * not for differentiating: they read values out of tensors.
 *
 * Inputs: a Tensor, a typed or plain array, or (for score/probability matrices) nested arrays.
 * Labels are compared by value (any numbers; int32 or float tensors). Where a prediction is expected,
 * a score matrix [N, C] is also accepted: its row-wise argmax is the predicted class (0..C-1).
 * Optional `sampleWeight` weighs each sample's count.
 *
 * Degenerate inputs, stated once:
 * - precision with no predicted positives, recall with no actual positives, F-beta with neither:
 *   `zeroDivision` (default 0, sklearn's default value; 1 or NaN may be chosen; NaN entries are left
 *   out of macro/weighted averages).
 * - ROC AUC with only one class in yTrue: NaN (sklearn raises). NaN scores throw a ValueError.
 * - R^2 with constant yTrue: 1 if the predictions are exact, else 0 (sklearn's force_finite).
 * - any metric of an empty input: NaN.
 */
import { ShapeError, ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";

/** A vector or matrix of numbers, as a tensor or as (nested) arrays. */
export type MetricInput = Tensor | ArrayLike<number> | readonly (readonly number[])[];

interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
  ndim: number;
}

function asMatrix(op: string, name: string, x: MetricInput): Matrix {
  if (x instanceof Tensor) {
    if (x.ndim > 2) throw new ShapeError(`metrics.${op}: ${name} has shape [${x.shape.join(", ")}]; expected a vector [N] or a matrix [N, C]`);
    const data = Float64Array.from(x.toTypedArray());
    if (x.ndim === 2) return { rows: x.shape[0], cols: x.shape[1], data, ndim: 2 };
    return { rows: data.length, cols: 1, data, ndim: 1 };
  }
  const arr = x as ArrayLike<unknown>;
  if (arr.length > 0 && Array.isArray(arr[0])) {
    const rows = arr.length;
    const cols = (arr[0] as unknown[]).length;
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const r = arr[i] as ArrayLike<number>;
      if (!Array.isArray(r) || r.length !== cols) throw new ShapeError(`metrics.${op}: ${name} is ragged: row ${i} has ${Array.isArray(r) ? r.length : "no"} entries, row 0 has ${cols}`);
      for (let j = 0; j < cols; j++) data[i * cols + j] = Number(r[j]);
    }
    return { rows, cols, data, ndim: 2 };
  }
  const data = Float64Array.from(arr as ArrayLike<number>, Number);
  return { rows: data.length, cols: 1, data, ndim: 1 };
}

function asVector(op: string, name: string, x: MetricInput): Float64Array {
  const m = asMatrix(op, name, x);
  if (m.ndim === 2 && m.cols !== 1) throw new ShapeError(`metrics.${op}: ${name} must be a vector [N], got a matrix [${m.rows}, ${m.cols}]`);
  return m.data;
}

/** Labels from predictions: a vector as is, a score matrix [N, C] by row-wise argmax. */
function asLabels(op: string, name: string, x: MetricInput): Float64Array {
  const m = asMatrix(op, name, x);
  if (m.ndim === 1 || m.cols === 1) return m.data;
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    for (let j = 1; j < m.cols; j++) if (m.data[i * m.cols + j] > m.data[i * m.cols + best]) best = j;
    out[i] = best;
  }
  return out;
}

function weightsFor(op: string, n: number, w: MetricInput | undefined): Float64Array {
  if (w === undefined) return new Float64Array(n).fill(1);
  const v = asVector(op, "sampleWeight", w);
  if (v.length !== n) throw new ShapeError(`metrics.${op}: sampleWeight has ${v.length} entries for ${n} samples`);
  return v;
}

function sameLength(op: string, a: ArrayLike<number>, b: ArrayLike<number>, names = "yTrue and yPred"): void {
  if (a.length !== b.length) throw new ShapeError(`metrics.${op}: ${names} have ${a.length} and ${b.length} samples; they must match`);
}

function sortedUnique(...xs: ArrayLike<number>[]): number[] {
  const s = new Set<number>();
  for (const x of xs) for (let i = 0; i < x.length; i++) s.add(x[i]);
  return [...s].sort((a, b) => a - b);
}

/** Options of the classification metrics that count samples. */
export interface CountOptions {
  /** Per-sample weights (default 1). */
  sampleWeight?: MetricInput;
}

/**
 * Fraction of samples whose predicted label equals the true label (weighted by sampleWeight).
 * Predictions may be a score matrix [N, C] (argmax per row). Empty input gives NaN.
 * @example gn.metrics.accuracy([0, 1, 1, 2], [0, 1, 2, 2]) // 0.75
 */
export function accuracy(yTrue: MetricInput, yPred: MetricInput, opts: CountOptions = {}): number {
  const t = asVector("accuracy", "yTrue", yTrue);
  const p = asLabels("accuracy", "yPred", yPred);
  sameLength("accuracy", t, p);
  const w = weightsFor("accuracy", t.length, opts.sampleWeight);
  let hit = 0;
  let total = 0;
  for (let i = 0; i < t.length; i++) {
    total += w[i];
    if (t[i] === p[i]) hit += w[i];
  }
  return hit / total;
}

/** Options of confusionMatrix. */
export interface ConfusionOptions extends CountOptions {
  /** The classes, in row/column order (default: the sorted union of the labels in yTrue and yPred). Other labels are ignored. */
  labels?: readonly number[];
  /** Divide by the row sums ("true"), column sums ("pred") or the total ("all"); a zero sum gives zeros. */
  normalize?: "true" | "pred" | "all";
}

/**
 * The confusion matrix C: C[i][j] = (weighted) number of samples of true class labels[i] predicted as
 * labels[j], rows = true, columns = predicted (as sklearn). Use `labels` to fix the order or include
 * classes that do not occur.
 * @example gn.metrics.confusionMatrix([0, 1, 1, 2], [0, 1, 2, 2]) // [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
 */
export function confusionMatrix(yTrue: MetricInput, yPred: MetricInput, opts: ConfusionOptions = {}): number[][] {
  const t = asVector("confusionMatrix", "yTrue", yTrue);
  const p = asLabels("confusionMatrix", "yPred", yPred);
  sameLength("confusionMatrix", t, p);
  const w = weightsFor("confusionMatrix", t.length, opts.sampleWeight);
  const labels = opts.labels ? [...opts.labels] : sortedUnique(t, p);
  const index = new Map(labels.map((l, i) => [l, i]));
  const k = labels.length;
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < t.length; i++) {
    const a = index.get(t[i]);
    const b = index.get(p[i]);
    if (a !== undefined && b !== undefined) m[a][b] += w[i];
  }
  const safe = (x: number, d: number) => (d === 0 ? 0 : x / d);
  if (opts.normalize === "true") return m.map((row) => row.map((x) => safe(x, row.reduce((a, b) => a + b, 0))));
  if (opts.normalize === "pred") return m.map((row) => row.map((x, j) => safe(x, m.reduce((a, r) => a + r[j], 0))));
  if (opts.normalize === "all") {
    const total = m.reduce((a, r) => a + r.reduce((s, x) => s + x, 0), 0);
    return m.map((row) => row.map((x) => safe(x, total)));
  }
  if (opts.normalize !== undefined) throw new ValueError(`metrics.confusionMatrix: normalize must be "true", "pred" or "all", got ${JSON.stringify(opts.normalize)}`);
  return m;
}

/** How precision, recall and F-scores combine classes. */
export type Average = "binary" | "micro" | "macro" | "weighted";

/** Options of precision, recall, f1 and fbeta. */
export interface PRFOptions extends CountOptions {
  /**
   * "binary" (default, as sklearn): the scores of class `posLabel` only (an error for more than two classes);
   * "micro": from the counts summed over classes (equals accuracy when every class is included);
   * "macro": the unweighted mean of per-class scores; "weighted": the mean weighted by each class's support.
   */
  average?: Average;
  /** The positive class for average "binary" (default 1). */
  posLabel?: number;
  /** Classes to include (default: the sorted union of the labels in yTrue and yPred). */
  labels?: readonly number[];
  /** The value of an ill-defined ratio (no predicted or no true samples of a class): 0 (default), 1 or NaN. */
  zeroDivision?: number;
}

/** Per-class precision, recall, F-score and support. */
export interface ClassScores {
  labels: number[];
  precision: number[];
  recall: number[];
  f: number[];
  support: number[];
}

interface Counts {
  labels: number[];
  tp: number[];
  pred: number[];
  true: number[];
}

function countsPerClass(op: string, yTrue: MetricInput, yPred: MetricInput, opts: PRFOptions): Counts {
  const t = asVector(op, "yTrue", yTrue);
  const p = asLabels(op, "yPred", yPred);
  sameLength(op, t, p);
  const w = weightsFor(op, t.length, opts.sampleWeight);
  const labels = opts.labels ? [...opts.labels] : sortedUnique(t, p);
  const index = new Map(labels.map((l, i) => [l, i]));
  const k = labels.length;
  const tp = new Array<number>(k).fill(0);
  const pred = new Array<number>(k).fill(0);
  const tru = new Array<number>(k).fill(0);
  for (let i = 0; i < t.length; i++) {
    const a = index.get(t[i]);
    const b = index.get(p[i]);
    if (a !== undefined) tru[a] += w[i];
    if (b !== undefined) pred[b] += w[i];
    if (a !== undefined && a === b) tp[a] += w[i];
  }
  return { labels, tp, pred, true: tru };
}

function zeroDivisionValue(op: string, v: number | undefined): number {
  const z = v ?? 0;
  if (z !== 0 && z !== 1 && !Number.isNaN(z)) throw new ValueError(`metrics.${op}: zeroDivision must be 0, 1 or NaN, got ${z}`);
  return z;
}

function ratio(num: number, den: number, z: number): number {
  return den === 0 ? z : num / den;
}

/** F-beta from counts: (1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp); zeroDivision when there are no true and no predicted samples. */
function fFromCounts(tp: number, pred: number, tru: number, beta: number, z: number): number {
  const b2 = beta * beta;
  const den = (1 + b2) * tp + b2 * (tru - tp) + (pred - tp);
  return ratio((1 + b2) * tp, den, z);
}

/**
 * Precision, recall, F-beta and support of every class, unaveraged.
 * @example gn.metrics.classScores([0, 1, 1, 2], [0, 1, 2, 2]).recall // [1, 0.5, 1]
 */
export function classScores(yTrue: MetricInput, yPred: MetricInput, opts: Omit<PRFOptions, "average" | "posLabel"> & { beta?: number } = {}): ClassScores {
  const op = "classScores";
  const z = zeroDivisionValue(op, opts.zeroDivision);
  const beta = checkBeta(op, opts.beta ?? 1);
  const c = countsPerClass(op, yTrue, yPred, opts);
  return {
    labels: c.labels,
    precision: c.tp.map((tp, i) => ratio(tp, c.pred[i], z)),
    recall: c.tp.map((tp, i) => ratio(tp, c.true[i], z)),
    f: c.tp.map((tp, i) => fFromCounts(tp, c.pred[i], c.true[i], beta, z)),
    support: c.true,
  };
}

function checkBeta(op: string, beta: number): number {
  if (!(beta >= 0) || !Number.isFinite(beta)) throw new ValueError(`metrics.${op}: beta must be a finite number >= 0, got ${beta}`);
  return beta;
}

function averaged(op: string, which: "precision" | "recall" | "f", yTrue: MetricInput, yPred: MetricInput, opts: PRFOptions, beta = 1): number {
  const z = zeroDivisionValue(op, opts.zeroDivision);
  const average = opts.average ?? "binary";
  const c = countsPerClass(op, yTrue, yPred, opts);
  const score = (tp: number, pred: number, tru: number) =>
    which === "precision" ? ratio(tp, pred, z) : which === "recall" ? ratio(tp, tru, z) : fFromCounts(tp, pred, tru, beta, z);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  switch (average) {
    case "binary": {
      const present = sortedUnique(asVector(op, "yTrue", yTrue), asLabels(op, "yPred", yPred));
      if (present.length > 2)
        throw new ValueError(`metrics.${op}: the labels have ${present.length} classes [${present.join(", ")}] but average is "binary"; choose average "macro", "micro" or "weighted"`);
      const pos = opts.posLabel ?? 1;
      if (present.length === 2 && !present.includes(pos))
        throw new ValueError(`metrics.${op}: posLabel ${pos} is not one of the labels [${present.join(", ")}]; pass posLabel`);
      const bc = countsPerClass(op, yTrue, yPred, { ...opts, labels: [pos] });
      return score(bc.tp[0], bc.pred[0], bc.true[0]);
    }
    case "micro":
      return score(sum(c.tp), sum(c.pred), sum(c.true));
    case "macro":
    case "weighted": {
      const per = c.tp.map((tp, i) => score(tp, c.pred[i], c.true[i]));
      const w = average === "macro" ? per.map(() => 1) : c.true;
      if (average === "weighted" && sum(w) === 0) {
        // sklearn: no true samples of any included class.
        if (which === "recall") return z;
        return sum(c.pred) === 0 ? z : 0;
      }
      let num = 0;
      let den = 0;
      per.forEach((v, i) => {
        if (Number.isNaN(v)) return; // zeroDivision NaN: left out of the average
        num += w[i] * v;
        den += w[i];
      });
      return num / den;
    }
    default:
      throw new ValueError(`metrics.${op}: average must be "binary", "micro", "macro" or "weighted", got ${JSON.stringify(average)}`);
  }
}

/**
 * Precision: tp / (tp + fp), the fraction of predicted positives that are right. See PRFOptions for averaging;
 * no predicted positives gives `zeroDivision` (default 0).
 * @example gn.metrics.precision([0, 1, 1, 0], [1, 1, 0, 0]) // 0.5
 * @example gn.metrics.precision([0, 1, 2, 2], [0, 2, 2, 2], { average: "macro" }) // (1 + 0 + 2/3) / 3
 */
export function precision(yTrue: MetricInput, yPred: MetricInput, opts: PRFOptions = {}): number {
  return averaged("precision", "precision", yTrue, yPred, opts);
}

/**
 * Recall (sensitivity, true positive rate): tp / (tp + fn). No actual positives gives `zeroDivision` (default 0).
 * @example gn.metrics.recall([0, 1, 1, 0], [1, 1, 0, 0]) // 0.5
 */
export function recall(yTrue: MetricInput, yPred: MetricInput, opts: PRFOptions = {}): number {
  return averaged("recall", "recall", yTrue, yPred, opts);
}

/**
 * F1 score, the harmonic mean of precision and recall: 2 tp / (2 tp + fp + fn). With no true and no
 * predicted positives it is `zeroDivision` (default 0).
 * @example gn.metrics.f1([0, 1, 1, 0], [1, 1, 0, 0]) // 0.5
 */
export function f1(yTrue: MetricInput, yPred: MetricInput, opts: PRFOptions = {}): number {
  return averaged("f1", "f", yTrue, yPred, opts, 1);
}

/**
 * F-beta score: (1 + b^2) P R / (b^2 P + R); beta > 1 favours recall.
 * @example gn.metrics.fbeta([0, 1, 1, 0], [1, 1, 0, 0], 2) // 0.5
 */
export function fbeta(yTrue: MetricInput, yPred: MetricInput, beta: number, opts: PRFOptions = {}): number {
  return averaged("fbeta", "f", yTrue, yPred, opts, checkBeta("fbeta", beta));
}

/** Binary AUC by the trapezoid rule over tied groups: ties count one half (the Mann-Whitney U statistic / (P N)). */
function binaryAuc(op: string, positive: ArrayLike<boolean>, score: ArrayLike<number>, w: ArrayLike<number>): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) if (Number.isNaN(score[i])) throw new ValueError(`metrics.${op}: score ${i} is NaN; scores must be numbers`);
  order.sort((a, b) => score[b] - score[a]);
  let tp = 0;
  let fp = 0;
  let area = 0;
  for (let i = 0; i < n; ) {
    const s = score[order[i]];
    let dtp = 0;
    let dfp = 0;
    while (i < n && score[order[i]] === s) {
      if (positive[order[i]]) dtp += w[order[i]];
      else dfp += w[order[i]];
      i++;
    }
    area += dfp * (tp + dtp / 2);
    tp += dtp;
    fp += dfp;
  }
  if (tp === 0 || fp === 0) return NaN;
  return area / (tp * fp);
}

/** Options of rocAuc. */
export interface RocAucOptions extends CountOptions {
  /** Multi-class scores: one-vs-rest AUCs averaged unweighted ("macro", default) or by class prevalence ("weighted"). */
  average?: "macro" | "weighted";
  /** The positive class for binary labels (default: the larger of the two labels). */
  posLabel?: number;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative,
 * ties counting one half (the Mann-Whitney statistic), so it is exact with tied scores.
 * Binary: scores [N] (or [N, 2], whose second column is used). Multi-class: scores [N, C] with labels
 * 0..C-1 (or the sorted labels in that column order), one-vs-rest, averaged. Only one class present: NaN.
 * @example gn.metrics.rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) // 0.75
 */
export function rocAuc(yTrue: MetricInput, scores: MetricInput, opts: RocAucOptions = {}): number {
  const op = "rocAuc";
  const t = asVector(op, "yTrue", yTrue);
  const s = asMatrix(op, "scores", scores);
  sameLength(op, t, { length: s.rows }, "yTrue and scores");
  const w = weightsFor(op, t.length, opts.sampleWeight);
  const classes = sortedUnique(t);
  if (s.ndim === 1 || s.cols === 1 || s.cols === 2) {
    if (classes.length > 2) throw new ValueError(`metrics.${op}: yTrue has ${classes.length} classes; give a score matrix [N, C] with one column per class`);
    const pos = opts.posLabel ?? (classes.length === 2 ? classes[1] : 1);
    const col = s.cols === 2 ? Float64Array.from({ length: s.rows }, (_, i) => s.data[2 * i + 1]) : s.data;
    return binaryAuc(op, Array.from(t, (v) => v === pos), col, w);
  }
  if (classes.length > s.cols) throw new ValueError(`metrics.${op}: yTrue has ${classes.length} classes but scores have ${s.cols} columns`);
  const labels = classes.length === s.cols ? classes : Array.from({ length: s.cols }, (_, j) => j);
  const aucs: number[] = [];
  const prevalence: number[] = [];
  labels.forEach((label, j) => {
    const col = Float64Array.from({ length: s.rows }, (_, i) => s.data[i * s.cols + j]);
    aucs.push(binaryAuc(op, Array.from(t, (v) => v === label), col, w));
    prevalence.push(t.reduce((a, v, i) => a + (v === label ? w[i] : 0), 0));
  });
  const weights = (opts.average ?? "macro") === "weighted" ? prevalence : aucs.map(() => 1);
  let num = 0;
  let den = 0;
  aucs.forEach((a, j) => {
    num += weights[j] * a;
    den += weights[j];
  });
  return num / den;
}

/** Options of logLoss. */
export interface LogLossOptions extends CountOptions {
  /** Probabilities are clipped to [eps, 1 - eps] (default 2.220446049250313e-16, float64 machine epsilon, as sklearn's "auto"). */
  eps?: number;
  /** The classes, in the probability columns' order (default: the sorted labels of yTrue). */
  labels?: readonly number[];
  /** Mean (default true) or sum of the per-sample losses. */
  normalize?: boolean;
}

/**
 * Log loss (cross-entropy of predicted probabilities), -mean_i log p_i[y_i], as sklearn's log_loss:
 * probabilities are clipped to [eps, 1 - eps] and each row renormalised to sum to 1. Binary: probs [N]
 * are P(the larger label). Multi-class: probs [N, C], columns in the order of `labels`. yTrue with a
 * single class and no `labels` throws a ValueError (the classes are unknown).
 * @example gn.metrics.logLoss([0, 1], [0.2, 0.9]) // -(log 0.8 + log 0.9) / 2
 */
export function logLoss(yTrue: MetricInput, probs: MetricInput, opts: LogLossOptions = {}): number {
  const op = "logLoss";
  const t = asVector(op, "yTrue", yTrue);
  const p = asMatrix(op, "probs", probs);
  sameLength(op, t, { length: p.rows }, "yTrue and probs");
  const w = weightsFor(op, t.length, opts.sampleWeight);
  const eps = opts.eps ?? 2.220446049250313e-16;
  if (!(eps >= 0 && eps < 0.5)) throw new ValueError(`metrics.${op}: eps must be in [0, 0.5), got ${eps}`);
  const labels = opts.labels ? [...opts.labels].sort((a, b) => a - b) : sortedUnique(t);
  if (labels.length < 2)
    throw new ValueError(`metrics.${op}: yTrue has only the label [${labels.join(", ")}]; pass labels (e.g. { labels: [0, 1] }) so the classes are known`);
  const cols = p.ndim === 1 || p.cols === 1 ? 2 : p.cols;
  if (cols !== labels.length) throw new ValueError(`metrics.${op}: there are ${labels.length} classes [${labels.join(", ")}] but probs have ${cols} columns`);
  const index = new Map(labels.map((l, i) => [l, i]));
  let total = 0;
  let weight = 0;
  const row = new Float64Array(cols);
  const clip = (v: number) => Math.min(Math.max(v, eps), 1 - eps);
  for (let i = 0; i < t.length; i++) {
    const k = index.get(t[i]);
    if (k === undefined) throw new ValueError(`metrics.${op}: label ${t[i]} at position ${i} is not one of the classes [${labels.join(", ")}]`);
    if (cols === 2 && (p.ndim === 1 || p.cols === 1)) {
      row[1] = clip(p.data[i]);
      row[0] = clip(1 - p.data[i]);
    } else for (let j = 0; j < cols; j++) row[j] = clip(p.data[i * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += row[j];
    total += -w[i] * Math.log(row[k] / s);
    weight += w[i];
  }
  return opts.normalize === false ? total : total / weight;
}

/** Options of the regression metrics. */
export type RegressionOptions = CountOptions;

interface Columns {
  t: Float64Array[];
  p: Float64Array[];
  w: Float64Array;
}

function regressionColumns(op: string, yTrue: MetricInput, yPred: MetricInput, opts: RegressionOptions): Columns {
  const t = asMatrix(op, "yTrue", yTrue);
  const p = asMatrix(op, "yPred", yPred);
  if (t.rows !== p.rows || t.cols !== p.cols)
    throw new ShapeError(`metrics.${op}: yTrue is [${t.rows}${t.ndim === 2 ? `, ${t.cols}` : ""}] and yPred is [${p.rows}${p.ndim === 2 ? `, ${p.cols}` : ""}]; they must have the same shape`);
  const col = (m: Matrix, j: number) => Float64Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + j]);
  return {
    t: Array.from({ length: t.cols }, (_, j) => col(t, j)),
    p: Array.from({ length: t.cols }, (_, j) => col(p, j)),
    w: weightsFor(op, t.rows, opts.sampleWeight),
  };
}

function weightedMean(values: (i: number) => number, w: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < w.length; i++) {
    num += w[i] * values(i);
    den += w[i];
  }
  return num / den;
}

function meanOverOutputs(c: Columns, perOutput: (t: Float64Array, p: Float64Array, w: Float64Array) => number): number {
  let s = 0;
  for (let j = 0; j < c.t.length; j++) s += perOutput(c.t[j], c.p[j], c.w);
  return s / c.t.length;
}

/**
 * Mean squared error (weighted mean over samples; for [N, K] targets, the mean over the K outputs).
 * @example gn.metrics.mse([1, 2, 3], [1, 2, 5]) // 4 / 3
 */
export function mse(yTrue: MetricInput, yPred: MetricInput, opts: RegressionOptions = {}): number {
  return meanOverOutputs(regressionColumns("mse", yTrue, yPred, opts), (t, p, w) => weightedMean((i) => (t[i] - p[i]) ** 2, w));
}

/**
 * Root mean squared error: sqrt of the MSE of each output, averaged over outputs (as sklearn's squared=False).
 * @example gn.metrics.rmse([1, 2, 3], [1, 2, 5]) // sqrt(4 / 3)
 */
export function rmse(yTrue: MetricInput, yPred: MetricInput, opts: RegressionOptions = {}): number {
  return meanOverOutputs(regressionColumns("rmse", yTrue, yPred, opts), (t, p, w) => Math.sqrt(weightedMean((i) => (t[i] - p[i]) ** 2, w)));
}

/**
 * Mean absolute error.
 * @example gn.metrics.mae([1, 2, 3], [1, 2, 5]) // 2 / 3
 */
export function mae(yTrue: MetricInput, yPred: MetricInput, opts: RegressionOptions = {}): number {
  return meanOverOutputs(regressionColumns("mae", yTrue, yPred, opts), (t, p, w) => weightedMean((i) => Math.abs(t[i] - p[i]), w));
}

/**
 * Coefficient of determination R^2 = 1 - SS_res / SS_tot (weighted; for [N, K], averaged over outputs).
 * 1 is perfect, 0 is as good as predicting the mean, and it can be negative. Constant yTrue: 1 if the
 * predictions are exact, else 0 (sklearn's force_finite). Empty input: NaN.
 * @example gn.metrics.r2([1, 2, 3], [1, 2, 4]) // 1 - 1 / 2 = 0.5
 */
export function r2(yTrue: MetricInput, yPred: MetricInput, opts: RegressionOptions = {}): number {
  const c = regressionColumns("r2", yTrue, yPred, opts);
  if (c.w.length === 0) return NaN;
  return meanOverOutputs(c, (t, p, w) => {
    const m = weightedMean((i) => t[i], w);
    let res = 0;
    let tot = 0;
    for (let i = 0; i < t.length; i++) {
      res += w[i] * (t[i] - p[i]) ** 2;
      tot += w[i] * (t[i] - m) ** 2;
    }
    if (tot === 0) return res === 0 ? 1 : 0;
    return 1 - res / tot;
  });
}
