/**
 * `gradnav train --constraint demographic_parity<=0.05 --sensitive sex`: fairness-constrained
 * training of a binary classifier (gn.fairness.trainConstrained or exponentiatedGradient), and with
 * --sweep the accuracy / fairness front (front.json, front.svg). Saves a checkpoint `gradnav eval`
 * and `gradnav audit --model` read, the constrained trace (multipliers at every step) and the
 * fairness metrics by group.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../core/tensor.js";
import { ValueError } from "../core/errors.js";
import type { Task } from "../data/dataset.js";
import { fairnessData } from "../analysis/fairness/data.js";
import { type ConstraintSpec, parseConstraint } from "../analysis/fairness/constraints.js";
import { exponentiatedGradient, mixtureDecisions } from "../analysis/fairness/expgrad.js";
import { fairnessFront } from "../analysis/fairness/front.js";
import { type Groups, groupBy } from "../analysis/fairness/groups.js";
import { trainConstrained } from "../analysis/fairness/lagrangian.js";
import { groupMetrics } from "../analysis/fairness/metrics.js";
import { frontSvg } from "../analysis/fairness/plot.js";
import { fitNewton } from "../analysis/influence/fit.js";
import { classifierFromLayer } from "../analysis/influence/model.js";
import { trainingProblem } from "../analysis/influence/problem.js";
import { saveCheckpoint } from "../node/checkpoint.js";
import * as ops from "../ops/index.js";
import { key as makeKey } from "../random/index.js";
import { evaluate } from "../train/evaluate.js";
import { defaultLoss } from "../train/loss.js";
import { OPTIMIZER_NAMES, type OptimizerName, optimizerFromSpec } from "../train/optimizer.js";
import { describeData, prepareSplits, readData } from "./data.js";
import { EXIT, UsageError } from "./errors.js";
import { modelFor } from "./model.js";
import type { Output } from "./output.js";

/** The options of `gradnav train` that constrained training reads. */
export interface ConstrainedTrainOptions {
  data?: string;
  target?: string;
  task?: Task;
  model?: string;
  optimizer: string;
  lr?: number;
  epochs: number;
  batchSize: number;
  seed: number;
  validation: number;
  test: number;
  out?: string;
  resume?: string;
  json?: boolean;
  quiet?: boolean;
  constraint?: string[];
  sensitive?: string;
  fairnessMethod: "lagrangian" | "proxy" | "expgrad";
  multiplierLr?: number;
  l2: number;
  sweep?: string;
  warmStart: boolean;
}

/** Options `gradnav train` takes only for constrained training (for the check that they are not given alone). @example CONSTRAINED_ONLY.includes("sweep") // true */
export const CONSTRAINED_ONLY = ["sensitive", "fairnessMethod", "multiplierLr", "l2", "sweep"] as const;

function rates(yTrue: ArrayLike<number>, decisions: Float64Array, scores: Float64Array | undefined, groups: Groups) {
  const m = groupMetrics({ yTrue, yPred: decisions, scores, groups });
  return {
    rows: groups.index.length,
    accuracy: m.overall.accuracy,
    demographicParityDifference: m.summary.demographicParityDifference,
    equalizedOddsDifference: m.summary.equalizedOddsDifference,
    equalOpportunityDifference: m.summary.equalOpportunityDifference,
    selectionRates: Object.fromEntries(m.groups.map((g) => [g.group, g.selectionRate])),
  };
}

/**
 * Runs constrained training from the `gradnav train` options (see the module notes) and returns the exit code.
 * @example await runConstrainedTrain({ data: "adult", model: "logreg", constraint: ["demographic_parity<=0.05"], sensitive: "sex", ... }, out)
 */
export async function runConstrainedTrain(o: ConstrainedTrainOptions, out: Output): Promise<number> {
  const t0 = performance.now();
  if (o.resume) throw new UsageError("--resume does not apply to constrained training (--constraint / --sweep); start a new run");
  if (o.data === undefined || o.model === undefined) throw new UsageError("constrained training needs --data and --model");
  const ds = readData({ data: o.data, target: o.target, task: o.task });
  if (ds.task !== "classification" || ds.classes.length !== 2) throw new UsageError(`--constraint needs a binary classification target; ${o.data} has ${ds.task === "classification" ? `${ds.classes.length} classes` : "a real target"}`);
  const sensitive = o.sensitive ?? ds.sensitive[0];
  if (!sensitive) throw new UsageError(`--constraint needs --sensitive <column> (${o.data} names no sensitive columns)`);
  let specs: ConstraintSpec[] = [];
  try {
    specs = (o.constraint ?? []).map(parseConstraint);
  } catch (e) {
    if (e instanceof ValueError) throw new UsageError(e.message.replace("fairness.parseConstraint: ", "--constraint: "));
    throw e;
  }
  let bounds: number[] | null = null;
  if (o.sweep !== undefined) {
    bounds = o.sweep.split(",").map((s) => Number(s.trim()));
    if (bounds.length === 0 || bounds.some((b) => !(b >= 0) || !Number.isFinite(b))) throw new UsageError(`--sweep takes bounds like 0.2,0.1,0.05, got "${o.sweep}"`);
    if (specs.length !== 1) throw new UsageError("--sweep needs exactly one --constraint, whose kind it sweeps (its own bound is ignored)");
  }
  if (specs.length === 0) throw new UsageError("give a constraint, e.g. --constraint demographic_parity<=0.05");
  const split = { seed: o.seed, validation: o.validation, test: o.test };
  let fd;
  try {
    fd = fairnessData(ds, { ...split, sensitive: [sensitive] });
  } catch (e) {
    if (e instanceof ValueError) throw new UsageError(e.message);
    throw e;
  }
  const features = fd.train.x.shape[1];
  let layer;
  try {
    layer = modelFor(o.model, features, ds.task, 2);
  } catch (e) {
    if (e instanceof ValueError) throw new UsageError(e.message);
    throw e;
  }
  if (!OPTIMIZER_NAMES.includes(o.optimizer as OptimizerName) || o.optimizer === "lbfgs") throw new UsageError(`--optimizer for constrained training: one of ${OPTIMIZER_NAMES.filter((n) => n !== "lbfgs").join(", ")}`);
  const init = layer.init(makeKey(o.seed), [features]);
  const model = classifierFromLayer(layer, init.params, init.state);
  const problem = trainingProblem(model, fd.train, { l2: o.l2 });
  const groups = groupBy(fd.train.sensitive, [sensitive]);
  let theta0: Tensor = model.initial();
  let warmSeconds = 0;
  if (o.warmStart && model.size <= 2000) {
    const fit = fitNewton(problem, { theta0, maxIter: 100 });
    theta0 = fit.theta;
    warmSeconds = fit.seconds;
  }
  const n = fd.train.x.shape[0];
  const batch = Math.min(o.batchSize, n);
  const steps = Math.max(1, o.epochs * Math.ceil(n / batch));
  const lr = o.lr ?? 0.01;
  const optimizer = optimizerFromSpec({ name: o.optimizer as OptimizerName, options: { lr } });
  const splits = { train: fd.train, validation: fd.validation, test: fd.test } as const;
  const splitGroups = Object.fromEntries(Object.entries(splits).map(([k, s]) => [k, groupBy(s.sensitive, [sensitive])])) as Record<keyof typeof splits, Groups>;
  // Keep the best evaluated iterate that meets the constraints on the training rows (the last
  // iterate of a min-max game can sit just outside them).
  const common = { steps, batchSize: batch, key: makeKey(o.seed), multiplierLr: o.multiplierLr, optimizer, select: "best" as const };

  const gapOf = (m?: { demographicParityDifference: number; equalizedOddsDifference: number; equalOpportunityDifference: number }) =>
    m ? (specs[0].kind === "equalized_odds" ? m.equalizedOddsDifference : specs[0].kind === "equal_opportunity" ? m.equalOpportunityDifference : m.demographicParityDifference) : NaN;
  if (bounds) {
    const front = fairnessFront(problem, groups, {
      kind: specs[0].kind,
      bounds,
      method: o.fairnessMethod,
      ...common,
      iterations: o.fairnessMethod === "expgrad" ? Math.max(1, o.epochs) : undefined,
      test: fd.test.x.shape[0] > 0 ? { x: fd.test.x, y: fd.test.y, groups: splitGroups.test } : undefined,
      onPoint: o.quiet ? undefined : (p) => process.stderr.write(`  bound ${p.bound ?? "none"}: train accuracy ${p.train.accuracy.toFixed(4)}, ${specs[0].kind} gap ${gapOf(p.train).toFixed(4)} (${p.seconds.toFixed(1)}s)\n`),
    });
    if (o.out) {
      saveFront(o.out, front);
    }
    const report = { command: "train", constrained: true, sweep: bounds, dataset: o.data, model: o.model, sensitive, kind: specs[0].kind, method: o.fairnessMethod, seconds: (performance.now() - t0) / 1000, front, out: o.out ?? null };
    if (o.json) out.json(report);
    else {
      out.line(`front of ${specs[0].kind} on ${sensitive} (${o.fairnessMethod}), ${o.data}:`);
      out.line(["bound", "train acc", "train gap", "test acc", "test gap", "multipliers", "seconds"].join("  "));
      for (const p of front.points) {
        out.line(
          [String(p.bound ?? "none").padEnd(5), p.train.accuracy.toFixed(4).padStart(9), gapOf(p.train).toFixed(4).padStart(9), (p.test?.accuracy ?? NaN).toFixed(4).padStart(8), gapOf(p.test).toFixed(4).padStart(8), Object.values(p.multipliers).map((v) => v.toFixed(3)).join(",").padStart(11), p.seconds.toFixed(1).padStart(7)].join("  "),
        );
      }
      if (o.out) out.line(`saved ${join(o.out, "front.json")} and ${join(o.out, "front.svg")}`);
    }
    return EXIT.ok;
  }

  let theta: Tensor;
  let multipliers: Record<string, number> = {};
  let trace: unknown;
  let maxViolation: number;
  let decide: (x: Tensor) => { decisions: Float64Array; scores?: Float64Array };
  if (o.fairnessMethod === "expgrad") {
    const eg = exponentiatedGradient(problem, groups, { constraints: specs, iterations: Math.max(1, o.epochs), theta0 });
    theta = eg.classifiers[eg.classifiers.length - 1];
    eg.set.constraints.forEach((c, j) => (multipliers[c.name] = eg.multipliers[j]));
    trace = eg.trace;
    maxViolation = eg.maxViolation;
    decide = (x) => ({ decisions: mixtureDecisions(model, eg, x) });
  } else {
    const res = trainConstrained(problem, groups, { constraints: specs, method: o.fairnessMethod, theta0, ...common });
    theta = res.theta;
    res.trace.constraints.forEach((c, j) => (multipliers[c] = res.multipliers[j]));
    multipliers = Object.fromEntries(Object.entries(multipliers).filter(([, v]) => v !== 0));
    trace = res.trace;
    maxViolation = res.maxViolation;
    decide = (x) => {
      const s = Float64Array.from(ops.sigmoid(model.logits(theta, x)).toTypedArray());
      return { decisions: s.map((v) => (v > 0.5 ? 1 : 0)), scores: s };
    };
  }
  const fairness: Record<string, ReturnType<typeof rates>> = {};
  for (const k of ["train", "validation", "test"] as const) {
    if (splits[k].x.shape[0] === 0) continue;
    const d = decide(splits[k].x);
    fairness[k] = rates(splits[k].y, d.decisions, d.scores, splitGroups[k]);
  }
  const params = model.toParams!(theta);
  const seconds = (performance.now() - t0) / 1000;
  if (o.out) {
    // The same split and preprocessing as gn.data.prepare gave fairnessData, for `gradnav eval`.
    const prepared = prepareSplits(ds, split);
    const lossName = defaultLoss(ds.task, layer.outputShape([features])[0] ?? 1);
    const final = Object.fromEntries(
      (["train", "validation", "test"] as const).filter((k) => prepared[k].x.shape[0] > 0).map((k) => [k, evaluate(layer, params, prepared[k], { state: init.state, loss: lossName })]),
    );
    saveCheckpoint(o.out, {
      model: layer,
      params,
      state: init.state,
      inputShape: [features],
      task: ds.task,
      loss: lossName,
      preprocessor: prepared.preprocessor.toJSON(),
      dataset: describeData({ data: o.data, target: o.target, task: o.task }, ds, split),
      config: { select: "best", model: o.model, constraint: o.constraint ?? [], sensitive, method: o.fairnessMethod, optimizer: o.optimizer, lr, l2: o.l2, epochs: o.epochs, batchSize: batch, seed: o.seed, validation: o.validation, test: o.test, multiplierLr: o.multiplierLr ?? null },
      metrics: { final },
    });
    writeFileSync(join(o.out, "trace.json"), JSON.stringify(trace, finite) + "\n");
    writeFileSync(join(o.out, "fairness.json"), JSON.stringify({ sensitive, constraints: specs, method: o.fairnessMethod, multipliers, maxViolation, ...fairness }, finite, 2) + "\n");
  }
  const report = { command: "train", constrained: true, dataset: o.data, model: o.model, sensitive, constraints: specs, method: o.fairnessMethod, steps: o.fairnessMethod === "expgrad" ? undefined : steps, warmStartSeconds: warmSeconds, seconds, multipliers, maxViolation, ...fairness, out: o.out ?? null };
  if (o.json) out.json(report);
  else {
    out.line(`trained ${o.model} on ${o.data} under ${specs.map((s) => `${s.kind}<=${s.bound}`).join(", ")} by ${sensitive} (${o.fairnessMethod}${o.fairnessMethod === "expgrad" ? "" : `, ${steps} steps of ${batch} rows`}) in ${seconds.toFixed(1)}s`);
    out.line(`largest constraint violation on the training rows: ${maxViolation.toFixed(4)} (<= 0: met)`);
    out.line(["", "rows", "accuracy", "DP diff", "EO diff", "EOpp diff"].map((h, j) => (j === 0 ? h.padEnd(10) : h.padStart(9))).join("  "));
    for (const [k, m] of Object.entries(fairness))
      out.line([k.padEnd(10), String(m.rows).padStart(9), m.accuracy.toFixed(4).padStart(9), m.demographicParityDifference.toFixed(4).padStart(9), m.equalizedOddsDifference.toFixed(4).padStart(9), m.equalOpportunityDifference.toFixed(4).padStart(9)].join("  "));
    out.line(`multipliers: ${Object.entries(multipliers).map(([k, v]) => `${k} = ${v.toFixed(4)}`).join("; ") || "all 0"}`);
    if (o.out) out.line(`saved to ${o.out} (checkpoint, trace.json with the multipliers, fairness.json)`);
  }
  return EXIT.ok;
}

function finite(_k: string, x: unknown): unknown {
  return typeof x === "number" && !Number.isFinite(x) ? String(x) : x;
}

function saveFront(dir: string, front: ReturnType<typeof fairnessFront>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "front.json"), JSON.stringify(front, finite, 2) + "\n");
  writeFileSync(join(dir, "front.svg"), frontSvg(front));
}
