/**
 * The two audits the `gradnav audit` command runs, as library functions returning plain JSON-able
 * reports (and readable text): a fairness audit (metrics by group, with intersections and
 * bootstrap intervals) and an influence audit (which rows and groups drive a fairness gap, which
 * rows look mislabelled, and the reweighting the weight gradient suggests, checked by retraining).
 * Both train the model they audit (L2-regularised logistic regression, by Newton) unless given one.
 */
import { ValueError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import * as random from "../../random/index.js";
import { aggregateByGroup, type GroupInfluence } from "../influence/aggregate.js";
import { fitNewton } from "../influence/fit.js";
import type { InverseHvpMethod } from "../influence/ihvp.js";
import { selfInfluence, topRows } from "../influence/influence.js";
import { type BinaryClassifier, logisticRegression } from "../influence/model.js";
import { type TrainingProblem, trainingProblem } from "../influence/problem.js";
import { suggestReweighting, verifyReweighting, weightSensitivity } from "../influence/weights.js";
import { type Interval, bootstrapMetrics } from "./bootstrap.js";
import type { FairnessData, FairnessSplit } from "./data.js";
import { type Groups, groupBy } from "./groups.js";
import { type FairnessSummary, type GroupStats, SUMMARY_NAMES, groupMetrics } from "./metrics.js";
import { type SurrogateMetric, fairnessQuantity } from "./surrogates.js";

/** The model an audit looks at. */
export interface AuditModel {
  model: BinaryClassifier;
  theta: Tensor;
  problem: TrainingProblem;
  /** How it was trained (Newton iterations and seconds), when the audit trained it. */
  fit?: { iterations: number; seconds: number; gradNorm: number };
}

/**
 * Trains the audited model: logistic regression with L2 strength `l2` on the training split, by
 * Newton's method (or wraps the given parameters).
 * @example const m = gn.fairness.auditModel(data, { l2: 1e-4 });
 */
export function auditModel(data: FairnessData, opts: { l2?: number; theta?: Tensor; model?: BinaryClassifier } = {}): AuditModel {
  const model = opts.model ?? logisticRegression(data.train.x.shape[1]);
  const problem = trainingProblem(model, data.train, { l2: opts.l2 ?? 1e-4 });
  if (opts.theta) return { model, theta: ops.cast(opts.theta, "float64"), problem };
  const fit = fitNewton(problem);
  return { model, theta: fit.theta, problem, fit: { iterations: fit.iterations, seconds: fit.seconds, gradNorm: fit.gradNorm } };
}

/** One grouping in a fairness audit. */
export interface AuditGrouping {
  attribute: string;
  groups: (GroupStats & { intervals?: Partial<Record<"selectionRate" | "tpr" | "fpr" | "accuracy", Interval>> })[];
  summary: FairnessSummary;
  intervals?: Record<keyof FairnessSummary, Interval>;
}

/** What `fairnessAudit` returns. */
export interface FairnessAuditReport {
  kind: "fairness";
  /** Which split the metrics are on. */
  split: "train" | "test";
  rows: number;
  accuracy: number;
  model: { name: string; l2: number; trainAccuracy: number; fit?: AuditModel["fit"] };
  bootstrap: { samples: number; level: number } | null;
  groupings: AuditGrouping[];
  seconds: { fit: number; metrics: number; bootstrap: number };
}

/** Options of `fairnessAudit`. */
export interface FairnessAuditOptions {
  /** Sensitive columns to audit, each on its own (default all of data.sensitive). */
  attributes?: readonly string[];
  /** Also audit the intersection of all of them (default true when there are several). */
  intersections?: boolean;
  /** "test" (default when the test split has rows) or "train". */
  split?: "train" | "test";
  /** L2 strength of the trained logistic regression (default 1e-4). */
  l2?: number;
  /** Bootstrap resamples (default 200; 0 for none). */
  bootstrap?: number;
  /** Key for the bootstrap (default key(0)). */
  key?: random.Key;
  /** Audit this model instead of training one. */
  model?: AuditModel;
}

/**
 * Audits a trained binary classifier's decisions by group: every sensitive column, their
 * intersection, rates per group with bootstrap intervals, and the between-group summaries.
 * @example
 * const data = gn.fairness.fairnessData(gn.data.loadDataset("german-credit"), { seed: 0, validation: 0, test: 0.3 });
 * const report = gn.fairness.fairnessAudit(data, { bootstrap: 50 });
 * console.log(gn.fairness.formatFairnessAudit(report));
 */
export function fairnessAudit(data: FairnessData, opts: FairnessAuditOptions = {}): FairnessAuditReport {
  const t0 = performance.now();
  const m = opts.model ?? auditModel(data, { l2: opts.l2 });
  const tFit = performance.now();
  const splitName = opts.split ?? (data.test.x.shape[0] > 0 ? "test" : "train");
  const split: FairnessSplit = splitName === "test" ? data.test : data.train;
  if (split.x.shape[0] === 0) throw new ValueError(`fairness.fairnessAudit: the ${splitName} split has no rows`);
  const attrs = [...(opts.attributes ?? data.sensitive)];
  for (const a of attrs) if (!(a in split.sensitive)) throw new ValueError(`fairness.fairnessAudit: "${a}" is not a sensitive column of this data (it has: ${Object.keys(split.sensitive).join(", ")})`);
  const groupingsList: Groups[] = attrs.map((a) => groupBy(split.sensitive, [a]));
  if ((opts.intersections ?? true) && attrs.length > 1) groupingsList.push(groupBy(split.sensitive, attrs));
  const scores = m.problem.probabilities(m.theta, split.x);
  const trainScores = m.problem.probabilities(m.theta);
  let trainCorrect = 0;
  const ty = data.train.y;
  for (let i = 0; i < ty.length; i++) if ((trainScores[i] > 0.5 ? 1 : 0) === ty[i]) trainCorrect++;
  const samples = opts.bootstrap ?? 200;
  let tMetrics = 0;
  let tBoot = 0;
  let accuracy = NaN;
  const groupings: AuditGrouping[] = groupingsList.map((groups) => {
    const a = performance.now();
    const gm = groupMetrics({ yTrue: split.y, scores, groups });
    accuracy = gm.overall.accuracy;
    const b = performance.now();
    tMetrics += b - a;
    const out: AuditGrouping = { attribute: gm.attribute, groups: gm.groups, summary: gm.summary };
    if (samples > 0) {
      const bs = bootstrapMetrics({ yTrue: split.y, scores, groups }, { samples, key: opts.key });
      out.intervals = bs.summary;
      out.groups = gm.groups.map((g) => ({
        ...g,
        intervals: { selectionRate: bs.groups[g.group].selectionRate, tpr: bs.groups[g.group].tpr, fpr: bs.groups[g.group].fpr, accuracy: bs.groups[g.group].accuracy },
      }));
    }
    tBoot += performance.now() - b;
    return out;
  });
  return {
    kind: "fairness",
    split: splitName,
    rows: split.x.shape[0],
    accuracy,
    model: { name: m.model.name, l2: m.problem.l2, trainAccuracy: trainCorrect / ty.length, fit: m.fit },
    bootstrap: samples > 0 ? { samples, level: 0.95 } : null,
    groupings,
    seconds: { fit: opts.model ? (m.fit?.seconds ?? 0) : (tFit - t0) / 1000, metrics: tMetrics / 1000, bootstrap: tBoot / 1000 },
  };
}

function pct(v: number): string {
  return Number.isNaN(v) ? "-" : (100 * v).toFixed(1);
}

function num(v: number, digits = 3): string {
  return Number.isNaN(v) ? "-" : v.toFixed(digits);
}

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  ");
  return [line(header), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * The fairness audit as text tables: per grouping, each group's rates (percent, with 95% intervals
 * where bootstrapped) and the summaries.
 * @example console.log(gn.fairness.formatFairnessAudit(report));
 */
export function formatFairnessAudit(r: FairnessAuditReport): string {
  const out: string[] = [];
  out.push(`${r.model.name}, L2 ${r.model.l2}: accuracy ${pct(r.model.trainAccuracy)}% on train, ${pct(r.accuracy)}% on ${r.split} (${r.rows} rows)`);
  const iv = (i?: Interval) => (i ? ` [${pct(i.low)}, ${pct(i.high)}]` : "");
  for (const g of r.groupings) {
    out.push("", `By ${g.attribute} (${r.split}; rates in %${r.bootstrap ? `, 95% bootstrap intervals from ${r.bootstrap.samples} resamples` : ""}):`);
    out.push(
      table(
        ["group", "rows", "base rate", "selection", "TPR", "FPR", "precision", "accuracy", "mean P", "ECE"],
        g.groups.map((s) => [
          s.group,
          String(s.count),
          pct(s.baseRate),
          pct(s.selectionRate) + iv(s.intervals?.selectionRate),
          pct(s.tpr) + iv(s.intervals?.tpr),
          pct(s.fpr),
          pct(s.precision),
          pct(s.accuracy),
          pct(s.meanScore),
          pct(s.ece),
        ]),
      ),
    );
    const names: Record<keyof FairnessSummary, string> = {
      demographicParityDifference: "demographic-parity difference",
      demographicParityRatio: "demographic-parity ratio",
      equalizedOddsDifference: "equalized-odds difference",
      equalOpportunityDifference: "equal-opportunity difference",
      fprDifference: "FPR difference",
      accuracyDifference: "accuracy difference",
      maxCalibrationError: "largest group ECE",
    };
    for (const k of SUMMARY_NAMES) {
      const i = g.intervals?.[k];
      out.push(`  ${names[k].padEnd(30)} ${num(g.summary[k])}${i ? `  [${num(i.low)}, ${num(i.high)}]` : ""}`);
    }
  }
  return out.join("\n");
}

/** Options of `influenceAudit`. */
export interface InfluenceAuditOptions {
  /** The sensitive column whose gap is studied (default data.sensitive[0]). */
  attribute?: string;
  /** The gap's surrogate (default "demographic_parity"). */
  metric?: SurrogateMetric;
  /** L2 strength of the trained logistic regression (default 1e-4). */
  l2?: number;
  /** Inverse-HVP method (default "exact"). */
  method?: InverseHvpMethod;
  /** Rows to list (default 10). */
  top?: number;
  /** The reweighting aims the gap at this fraction of its value (default 0.5); 1 skips it. */
  reweightTo?: number;
  /** Check the reweighting by retraining (default true). */
  verify?: boolean;
  /** Audit this model instead of training one. */
  model?: AuditModel;
}

/** A listed training row. */
export interface AuditRow {
  /** Index in the training split. */
  index: number;
  /** Row of the dataset (0-based; for built-in Adult, rows 0..32560 are adult_train.csv.gz data lines). */
  datasetRow: number;
  group: string;
  label: number;
  /** The model's P(y = 1) for the row. */
  probability: number;
  value: number;
}

/** What `influenceAudit` returns. */
export interface InfluenceAuditReport {
  kind: "influence";
  model: { name: string; l2: number; fit?: AuditModel["fit"] };
  gap: { description: string; metric: SurrogateMetric; between: [string, string]; value: number; hardDemographicParityDifference: number };
  solve: { method: string; iterations: number; residual: number; seconds: number };
  /** d gap / d w summed per group and label, largest |sum| first. */
  groups: GroupInfluence[];
  /** Rows whose upweighting widens the gap most, and narrows it most. */
  widening: AuditRow[];
  narrowing: AuditRow[];
  /** The rows with the highest self-influence (label-noise candidates); exact while P <= 2000, else among the 10 * top rows with the largest gradients. */
  selfInfluence: AuditRow[];
  reweighting: null | {
    cells: { cell: string; factor: number }[];
    before: number;
    predicted: number;
    actual: number | null;
    retrainSeconds: number | null;
  };
  seconds: { fit: number; sensitivity: number; selfInfluence: number; reweighting: number };
}

/**
 * Which training rows and groups drive a fairness gap (see the module notes). The gap is the
 * surrogate of `fairnessQuantity` on the training rows, between the groups with the highest and
 * lowest soft rate; its gradient with respect to the sample weights (implicit differentiation
 * through the trained optimum) is summed per group and label, and the rows with the largest
 * entries are listed; self-influence lists label-noise candidates; and the group-and-label
 * reweighting that the first-order model says would shrink the gap is checked by retraining.
 * @example
 * const report = gn.fairness.influenceAudit(data, { attribute: "sex" });
 * console.log(gn.fairness.formatInfluenceAudit(report));
 */
export function influenceAudit(data: FairnessData, opts: InfluenceAuditOptions = {}): InfluenceAuditReport {
  const t0 = performance.now();
  const m = opts.model ?? auditModel(data, { l2: opts.l2 });
  const t1 = performance.now();
  const attribute = opts.attribute ?? data.sensitive[0];
  if (!(attribute in data.train.sensitive)) throw new ValueError(`fairness.influenceAudit: "${attribute}" is not a sensitive column of this data (it has: ${Object.keys(data.train.sensitive).join(", ")})`);
  const groups = groupBy(data.train.sensitive, [attribute]);
  const metric = opts.metric ?? "demographic_parity";
  const gap = fairnessQuantity(m.model, data.train, groups, { metric, at: m.theta });
  const sens = weightSensitivity(m.problem, m.theta, gap, { method: opts.method ?? "exact" });
  const t2 = performance.now();
  const top = opts.top ?? 10;
  const probs = m.problem.probabilities(m.theta);
  const y = data.train.y;
  const row = (i: number, value: number): AuditRow => ({ index: i, datasetRow: data.train.rowIds[i], group: groups.names[groups.index[i]], label: y[i], probability: probs[i], value });
    const hard = groupMetrics({ yTrue: y, scores: probs, groups }).summary.demographicParityDifference;
  // Self-influence needs one solve per row: exact (one factorisation for all rows) while the
  // Hessian fits; otherwise rank rows by ||∇l_i||² and solve for the 10 * top largest only.
  let self: Float64Array;
  if (m.model.size <= 2000) self = selfInfluence(m.problem, m.theta, { method: "exact" });
  else {
    const norms = ops.sum(ops.square(m.problem.perSampleGradients(m.theta)), 1).toTypedArray();
    const candidates = topRows(norms, 10 * top);
    const vals = selfInfluence(m.problem, m.theta, { method: opts.method === "lissa" ? "lissa" : "cg", rows: candidates });
    self = new Float64Array(m.problem.n).fill(NaN);
    candidates.forEach((r, k) => (self[r] = vals[k]));
  }
  const t3 = performance.now();
  let reweighting: InfluenceAuditReport["reweighting"] = null;
  const frac = opts.reweightTo ?? 0.5;
  if (frac < 1) {
    const cells = Array.from(y, (yi, i) => groups.index[i] * 2 + yi);
    const rw = suggestReweighting(m.problem, sens, { target: sens.value * frac, mode: "cells", cells });
    let actual: number | null = null;
    let retrainSeconds: number | null = null;
    if (opts.verify ?? true) {
      const check = verifyReweighting(m.problem, m.theta, gap, rw.weights);
      actual = check.actual;
      retrainSeconds = check.fit.seconds;
    }
    reweighting = {
      cells: Array.from(rw.cellFactors ?? [], (f, c) => ({ cell: `${groups.names[c >> 1]}, y=${c & 1}`, factor: f })).filter((_, c) => groups.counts[c >> 1] > 0),
      before: rw.before,
      predicted: rw.predicted,
      actual,
      retrainSeconds,
    };
  }
  const t4 = performance.now();
  return {
    kind: "influence",
    model: { name: m.model.name, l2: m.problem.l2, fit: m.fit },
    gap: { description: gap.description, metric, between: gap.between, value: sens.value, hardDemographicParityDifference: hard },
    solve: { method: sens.influence.solve.method, iterations: sens.influence.solve.iterations, residual: sens.influence.solve.residual, seconds: sens.influence.solve.seconds },
    groups: aggregateByGroup(sens.gradient, groups, { labels: y }),
    widening: topRows(sens.gradient, top).map((i) => row(i, sens.gradient[i])),
    narrowing: topRows(sens.gradient, top, { by: "smallest" }).map((i) => row(i, sens.gradient[i])),
    selfInfluence: topRows(self, top).map((i) => row(i, self[i])),
    reweighting,
    seconds: { fit: opts.model ? (m.fit?.seconds ?? 0) : (t1 - t0) / 1000, sensitivity: (t2 - t1) / 1000, selfInfluence: (t3 - t2) / 1000, reweighting: (t4 - t3) / 1000 },
  };
}

/**
 * The influence audit as text.
 * @example console.log(gn.fairness.formatInfluenceAudit(report));
 */
export function formatInfluenceAudit(r: InfluenceAuditReport): string {
  const out: string[] = [];
  out.push(`${r.model.name}, L2 ${r.model.l2}.`);
  out.push(`Gap: ${r.gap.description} = ${num(r.gap.value, 4)} on the training rows (hard demographic-parity difference ${num(r.gap.hardDemographicParityDifference, 4)}).`);
  out.push(`d gap / d w_i by implicit differentiation (${r.solve.method} inverse-Hessian solve, residual ${r.solve.residual.toExponential(1)}, ${r.solve.seconds.toFixed(2)} s).`);
  out.push("", "Summed by group and label (upweighting a whole cell by 1 changes the gap by about `sum`):");
  out.push(table(["cell", "rows", "sum", "mean per row", "share"], r.groups.map((g) => [g.group, String(g.rows), g.sum.toExponential(3), g.mean.toExponential(3), pct(g.share) + "%"])));
  const rows = (title: string, list: AuditRow[], what: string) => {
    out.push("", title);
    out.push(table(["dataset row", "group", "label", "P(y=1)", what], list.map((x) => [String(x.datasetRow), x.group, String(x.label), num(x.probability), x.value.toExponential(3)])));
  };
  rows("Rows whose upweighting widens the gap most:", r.widening, "d gap / d w");
  rows("Rows whose upweighting narrows the gap most:", r.narrowing, "d gap / d w");
  rows("Highest self-influence (label-noise candidates):", r.selfInfluence, "self-influence");
  if (r.reweighting) {
    const rw = r.reweighting;
    out.push("", `Suggested reweighting by group and label: ${rw.cells.map((c) => `${c.cell} x${c.factor.toFixed(3)}`).join(", ")}`);
    out.push(`  gap ${num(rw.before, 4)} -> predicted ${num(rw.predicted, 4)}${rw.actual === null ? "" : `, after retraining ${num(rw.actual, 4)} (${rw.retrainSeconds!.toFixed(1)} s)`}`);
  }
  return out.join("\n");
}
