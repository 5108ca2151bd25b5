/**
 * `gradnav audit fairness|influence`: fairness metrics by group with bootstrap intervals, and the
 * training rows and groups that drive a fairness gap (with TracIn over saved epoch checkpoints),
 * on a built-in dataset or a CSV file. The audited model is L2-regularised logistic regression
 * trained to its optimum by Newton, or a model saved by `gradnav train` (--model).
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import { ValueError } from "../../core/errors.js";
import type { Dataset } from "../../data/dataset.js";
import { type AuditModel, auditModel, fairnessAudit, formatFairnessAudit, formatInfluenceAudit, influenceAudit } from "../../analysis/fairness/audit.js";
import { type FairnessData, fairnessData } from "../../analysis/fairness/data.js";
import { groupBy } from "../../analysis/fairness/groups.js";
import { fairnessQuantity } from "../../analysis/fairness/surrogates.js";
import { aggregateByGroup } from "../../analysis/influence/aggregate.js";
import { fitNewton } from "../../analysis/influence/fit.js";
import { topRows } from "../../analysis/influence/influence.js";
import { classifierFromLayer } from "../../analysis/influence/model.js";
import { trainingProblem } from "../../analysis/influence/problem.js";
import { type Checkpoint as TracInCheckpoint, tracIn } from "../../analysis/influence/tracin.js";
import { loadCheckpoint } from "../../node/checkpoint.js";
import { fractionArg, intArg, positiveNumberArg, seedArg } from "../args.js";
import { readData } from "../data.js";
import { EXIT, UsageError } from "../errors.js";
import type { Output } from "../output.js";

interface AuditOptions {
  data?: string;
  target?: string;
  model?: string;
  /** The old name of --model, still accepted. */
  checkpoint?: string;
  sensitive?: string;
  dropSensitive?: boolean;
  bins: string[];
  seed: number;
  test: number;
  l2: number;
  bootstrap: number;
  intersections: boolean;
  attribute?: string;
  metric: "demographic_parity" | "equal_opportunity" | "fpr";
  method: "exact" | "cg" | "lissa";
  top: number;
  reweightTo: number;
  verify: boolean;
  tracin?: string;
  json?: boolean;
  out?: string;
}

function parseBins(list: string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const b of list) {
    const m = /^([^=]+)=([-0-9.eE+,\s]+)$/.exec(b);
    const edges = m ? m[2].split(",").map((s) => Number(s.trim())) : [];
    if (!m || edges.length === 0 || edges.some((e) => !Number.isFinite(e))) throw new UsageError(`--bins takes column=edge,edge,... (e.g. age=25,65), got "${b}"`);
    out[m[1].trim()] = edges;
  }
  return out;
}

/** The data and the model to audit, from the options (a checkpoint fixes the split and the model). */
function load(o: AuditOptions): { ds: Dataset; data: FairnessData; model: AuditModel | undefined; dataName: string; checkpointLr: number | null } {
  if (o.checkpoint !== undefined) {
    if (o.model !== undefined && o.model !== o.checkpoint) throw new UsageError(`--checkpoint is the former name of --model; give one folder, not --model ${o.model} and --checkpoint ${o.checkpoint}`);
    o.model = o.checkpoint;
  }
  const sensitive = o.sensitive?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const groupBins = parseBins(o.bins);
  const wrap = (f: () => FairnessData) => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ValueError) throw new UsageError(e.message);
      throw e;
    }
  };
  if (o.model) {
    const ckpt = loadCheckpoint(o.model);
    const saved = ckpt.json.dataset as { name: string; builtin?: boolean; target: string; split?: { seed: number; validation: number; test: number } } | null;
    if (!saved?.split) throw new UsageError(`${o.model} does not record the data it was trained on`);
    if (o.data !== undefined && o.data !== saved.name) throw new UsageError(`--model ${o.model} was trained on ${saved.name}; leave out --data or pass that`);
    const ds = readData({ data: saved.name, target: saved.builtin ? undefined : saved.target });
    const data = wrap(() => fairnessData(ds, { seed: saved.split!.seed, validation: saved.split!.validation, test: saved.split!.test, sensitive, groupBins }));
    if (data.train.x.shape[1] !== ckpt.inputShape[0]) throw new UsageError(`${o.model} takes ${ckpt.inputShape[0]} features but the data gives ${data.train.x.shape[1]}`);
    const model = classifierFromLayer(ckpt.model, ckpt.params, ckpt.state);
    const problem = trainingProblem(model, data.train, { l2: o.l2 });
    const lr = ckpt.json.config?.lr;
    return { ds, data, dataName: saved.name, model: { model, theta: model.initial(), problem }, checkpointLr: typeof lr === "number" ? lr : null };
  }
  if (o.data === undefined) throw new UsageError("audit needs --data (a built-in dataset or a CSV file) or --model (a folder saved by gradnav train)");
  const ds = readData({ data: o.data, target: o.target });
  const data = wrap(() => fairnessData(ds, { seed: o.seed, validation: 0, test: o.test, sensitive, dropSensitive: o.dropSensitive, groupBins }));
  return { ds, data, dataName: o.data, model: undefined, checkpointLr: null };
}

function emit(o: AuditOptions, out: Output, report: unknown, text: string): void {
  if (o.out) writeFileSync(o.out, JSON.stringify(report, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x), 2) + "\n");
  if (o.json) out.json(report);
  else {
    out.line(text);
    if (o.out) out.line(`\nreport written to ${o.out}`);
  }
}

async function runFairness(o: AuditOptions, out: Output): Promise<number> {
  const t0 = performance.now();
  const { data, model, dataName } = load(o);
  const tLoad = (performance.now() - t0) / 1000;
  const report = fairnessAudit(data, { model: model ?? auditModel(data, { l2: o.l2 }), bootstrap: o.bootstrap, intersections: o.intersections });
  const full = { command: "audit fairness", dataset: dataName, checkpoint: o.model ?? null, classNames: data.classNames, sensitive: data.sensitive, bins: data.bins, features: data.featureNames.length, trainRows: data.train.x.shape[0], loadSeconds: tLoad, ...report };
  emit(o, out, full, `${dataName}: ${data.train.x.shape[0]} training rows, ${data.test.x.shape[0]} test rows; label 1 = ${data.classNames[1]}.\n${formatFairnessAudit(report)}`);
  return EXIT.ok;
}

/** Epoch checkpoints saved by `gradnav train --save-every-epoch` under `dir` (or dir/epochs). */
function epochFolders(dir: string): string[] {
  const base = existsSync(join(dir, "epochs")) ? join(dir, "epochs") : dir;
  if (!existsSync(base)) throw new UsageError(`--tracin ${dir}: no such folder`);
  const list = readdirSync(base).filter((n) => /^epoch-\d+$/.test(n)).sort().map((n) => join(base, n));
  if (list.length === 0) throw new UsageError(`--tracin ${dir}: no epoch-NNNN checkpoints in ${base} (train with --save-every-epoch --out ${dir})`);
  return list;
}

async function runInfluence(o: AuditOptions, out: Output): Promise<number> {
  const t0 = performance.now();
  const { data, model: given, dataName, checkpointLr } = load(o);
  const tLoad = (performance.now() - t0) / 1000;
  let model = given;
  let refined: { iterations: number; seconds: number } | null = null;
  if (model) {
    // Influence is a statement about the optimum of the penalised objective: finish training there.
    const fit = fitNewton(model.problem, { theta0: model.theta });
    model = { ...model, theta: fit.theta, fit: { iterations: fit.iterations, seconds: fit.seconds, gradNorm: fit.gradNorm } };
    refined = { iterations: fit.iterations, seconds: fit.seconds };
  } else model = auditModel(data, { l2: o.l2 });
  const report = influenceAudit(data, { model, attribute: o.attribute, metric: o.metric, method: o.method, top: o.top, reweightTo: o.reweightTo, verify: o.verify });
  let tracinReport: unknown = null;
  let tracinText = "";
  if (o.tracin) {
    const t = performance.now();
    const folders = epochFolders(o.tracin);
    const groups = groupBy(data.train.sensitive, [o.attribute ?? data.sensitive[0]]);
    const cps: TracInCheckpoint[] = [];
    let cpModel: ReturnType<typeof classifierFromLayer> | null = null;
    let batch = 32;
    let lr = checkpointLr ?? 1e-3;
    for (const f of folders) {
      const c = loadCheckpoint(f);
      const m = classifierFromLayer(c.model, c.params, c.state);
      cpModel ??= m;
      if (c.training?.batchSize) batch = c.training.batchSize;
      const cfgLr = c.json.config?.lr;
      if (typeof cfgLr === "number") lr = cfgLr;
      // One epoch of mini-batch steps adds lr / B · ∇l_i from row i; in tracIn's (1/n) Σ lr_t
      // convention that is lr_t = lr · n / B per epoch checkpoint.
      cps.push({ theta: m.initial(), lr: (lr * data.train.x.shape[0]) / batch, step: Number(/epoch-(\d+)/.exec(f)![1]) });
    }
    const problem = trainingProblem(cpModel!, data.train, { l2: 0 });
    if (problem.model.size !== cps[0].theta.shape[0]) throw new UsageError(`--tracin checkpoints do not match the data`);
    const gap = fairnessQuantity(problem.model, data.train, groups, { metric: o.metric, between: report.gap.between });
    const tr = tracIn(problem, cps, gap);
    const rows = topRows(tr.values, o.top, { by: "abs" });
    tracinReport = {
      checkpoints: folders,
      learningRate: lr,
      batchSize: batch,
      groups: aggregateByGroup(tr.values, groups, { labels: data.train.y }),
      top: rows.map((i) => ({ index: i, datasetRow: data.train.rowIds[i], group: groups.names[groups.index[i]], label: data.train.y[i], value: tr.values[i] })),
      seconds: (performance.now() - t) / 1000,
    };
    const g = (tracinReport as { groups: { group: string; rows: number; sum: number }[] }).groups;
    tracinText = `\n\nTracIn over ${folders.length} epoch checkpoints (lr ${lr}, batch ${batch}): d gap / d w summed by group and label:\n${g.map((c) => `  ${c.group.padEnd(24)} ${String(c.rows).padStart(6)}  ${c.sum.toExponential(3)}`).join("\n")}`;
  }
  const full = { command: "audit influence", dataset: dataName, checkpoint: o.model ?? null, refinedFromCheckpoint: refined, classNames: data.classNames, rows: { train: data.train.x.shape[0] }, loadSeconds: tLoad, ...report, tracin: tracinReport };
  emit(o, out, full, `${dataName}: ${data.train.x.shape[0]} training rows; label 1 = ${data.classNames[1]}.\n${formatInfluenceAudit(report)}${tracinText}`);
  return EXIT.ok;
}

function common(c: Command): Command {
  return c
    .option("--data <name|file.csv>", "a built-in dataset (see `gradnav datasets`) or a CSV file")
    .option("--target <column>", "the CSV column to predict (default: the last column); must have two classes")
    .option("--model <folder>", "audit a model saved by gradnav train --out (its data and split are reused)")
    .addOption(new Option("--checkpoint <folder>", "the former name of --model").hideHelp())
    .option("--sensitive <columns>", "comma-separated sensitive columns (default: the dataset's own, e.g. sex,race,age for adult)")
    .option("--drop-sensitive", "leave the sensitive columns out of the model's features")
    .option("--bins <column=edges>", "bin a numeric sensitive column at these edges, e.g. age=25,65 (repeatable; default: quartiles)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option("--seed <s>", "seed for the split", seedArg, 0)
    .option("--test <fraction>", "fraction of rows held out for test (datasets with an official test set use it)", fractionArg, 0.25)
    .option("--l2 <lambda>", "L2 strength of the logistic regression (its bias is not penalised)", positiveNumberArg, 1e-4)
    .option("--json", "print one JSON object with the report to stdout")
    .option("--out <file.json>", "also write the report as JSON to this file");
}

/** The `audit fairness` subcommand. @example auditParent.addCommand(fairnessCommand(out, done)) */
export function fairnessCommand(out: Output, done: (code: number) => void): Command {
  return common(new Command("fairness"))
    .description("fairness metrics by group (selection rate, accuracy, TPR/FPR, precision, calibration) with bootstrap intervals, for each sensitive column and their intersection")
    .option("--bootstrap <n>", "bootstrap resamples for the 95% intervals (0: none)", intArg(0), 200)
    .option("--no-intersections", "skip the intersection of the sensitive columns")
    .addHelpText("after", "\nExamples:\n  gradnav audit fairness --data adult --sensitive sex,race\n  gradnav audit fairness --data german-credit --bins age=25,65 --json")
    .action(async (o: AuditOptions) => done(await runFairness(o, out)));
}

/** The `audit influence` subcommand. @example auditParent.addCommand(influenceCommand(out, done)) */
export function influenceCommand(out: Output, done: (code: number) => void): Command {
  return common(new Command("influence"))
    .description("which training rows and groups drive a fairness gap: d(gap)/d(sample weights) through the trained optimum, self-influence, and the reweighting it suggests (checked by retraining)")
    .option("--attribute <column>", "the sensitive column whose gap is studied (default: the first sensitive column)")
    .addOption(new Option("--metric <metric>", "the gap: soft demographic parity, equal opportunity (TPR) or FPR").choices(["demographic_parity", "equal_opportunity", "fpr"]).default("demographic_parity"))
    .addOption(new Option("--method <method>", "inverse-Hessian solver").choices(["exact", "cg", "lissa"]).default("exact"))
    .option("--top <n>", "rows to list", intArg(1), 10)
    .option("--reweight-to <fraction>", "aim the suggested reweighting at this fraction of the gap (1: skip)", fractionArg, 0.5)
    .option("--no-verify", "do not retrain to check the reweighting")
    .option("--tracin <folder>", "also run TracIn over the epoch checkpoints of `gradnav train --save-every-epoch --out <folder>`")
    .addHelpText("after", "\nExamples:\n  gradnav audit influence --data adult --attribute sex\n  gradnav audit influence --data german-credit --attribute sex --method cg --top 5")
    .action(async (o: AuditOptions) => done(await runInfluence(o, out)));
}
