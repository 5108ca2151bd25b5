/** `gradnav train`: train a model on a built-in dataset or a CSV file, report metrics, save a checkpoint. */
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { ValueError } from "../core/errors.js";
import type { Task } from "../data/dataset.js";
import { loadCheckpoint, saveCheckpoint } from "../node/checkpoint.js";
import { saveEveryEpoch } from "../node/epochCheckpoints.js";
import { progressReporter } from "../node/progress.js";
import { cosineDecaySchedule } from "../optim/schedules.js";
import { traceToJSON } from "../optim/trace.js";
import type { Checkpoint } from "../train/checkpoint.js";
import type { Metrics } from "../train/evaluate.js";
import { evaluate } from "../train/evaluate.js";
import { type FitResult, fit } from "../train/fit.js";
import { defaultLoss } from "../train/loss.js";
import { OPTIMIZER_NAMES, type OptimizerName, type OptimizerSpec, optimizerFromSpec } from "../train/optimizer.js";
import { type AdversarialConfig, adversarialConfig, adversarialTraining } from "./adversarial.js";
import { fractionArg, intArg, positiveNumberArg, seedArg } from "./args.js";
import { type DataSource, type SplitSpec, describeData, prepareSplits, readData } from "./data.js";
import { EXIT, UsageError } from "./errors.js";
import { MODEL_HELP, modelFor } from "./model.js";
import { type Output, printMetricsTable } from "./output.js";
import { CONSTRAINED_ONLY, type ConstrainedTrainOptions, runConstrainedTrain } from "./constrained.js";

interface TrainOptions {
  data?: string;
  target?: string;
  task?: Task;
  model?: string;
  optimizer: string;
  lr?: number;
  schedule: "constant" | "cosine";
  epochs: number;
  batchSize: number;
  seed: number;
  validation: number;
  test: number;
  patience?: number;
  adversarial?: "pgd";
  advEps?: number;
  advSteps?: number;
  out?: string;
  resume?: string;
  saveEveryEpoch?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/**
 * Builds the optimizer spec from --optimizer, --lr and --schedule (a usage error names the known
 * optimizers). A cosine schedule decays the rate to 0 over `steps`, the steps of this run.
 */
function optimizerSpec(name: string, lr: number | undefined, schedule: "constant" | "cosine", steps: number): OptimizerSpec {
  if (!OPTIMIZER_NAMES.includes(name as OptimizerName)) throw new UsageError(`unknown optimizer "${name}"; known: ${OPTIMIZER_NAMES.join(", ")}`);
  if (name === "lbfgs" && (lr !== undefined || schedule !== "constant")) throw new UsageError(`--lr and --schedule do not apply to lbfgs (its line search chooses the step)`);
  const rate = schedule === "cosine" ? cosineDecaySchedule({ init: lr ?? 1e-3, steps: Math.max(1, steps) }) : (lr ?? 1e-3);
  const spec: OptimizerSpec = name === "lbfgs" ? { name: "lbfgs" } : { name: name as OptimizerName, options: { lr: rate } };
  try {
    optimizerFromSpec(spec);
  } catch (e) {
    if (e instanceof ValueError) throw new UsageError(e.message);
    throw e;
  }
  return spec;
}

async function runTrain(o: TrainOptions, out: Output, given: (option: string) => boolean): Promise<number> {
  const c = o as TrainOptions & ConstrainedTrainOptions;
  if ((c.constraint || c.sweep) && ["adversarial", "advEps", "advSteps"].some(given)) throw new UsageError(`--adversarial does not combine with --constraint; train one or the other`);
  if (c.constraint || c.sweep) return runConstrainedTrain(c, out);
  const fairnessOnly = CONSTRAINED_ONLY.filter(given);
  if (fairnessOnly.length) throw new UsageError(`${fairnessOnly.map((k) => "--" + k.replace(/[A-Z]/g, (x) => "-" + x.toLowerCase())).join(", ")} apply only with --constraint`);
  const resumed = o.resume ? loadCheckpoint(o.resume) : null;
  // A resumed run saves where it came from unless told otherwise.
  if (o.resume && o.out === undefined) o = { ...o, out: o.resume };
  if (resumed && !resumed.training) throw new UsageError(`${o.resume} has no training state (optimizer.json) to resume from; it was saved without one`);
  const saved = resumed?.json.dataset as (ReturnType<typeof describeData> | null) | undefined;
  if (resumed && !saved) throw new UsageError(`${o.resume} does not say which data it was trained on; it cannot be resumed from the command line`);
  if (!resumed && (o.data === undefined || o.model === undefined)) throw new UsageError(`train needs --data and --model (or --resume <folder>)`);
  if (resumed) {
    const fixed = ["data", "target", "task", "model", "optimizer", "lr", "schedule", "batchSize", "seed", "validation", "test", "patience", "adversarial", "advEps", "advSteps"].filter(given);
    if (fixed.length)
      throw new UsageError(`--resume continues with the checkpoint's data, model, optimizer and settings; leave out ${fixed.map((k) => "--" + k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())).join(", ")}`);
  }

  const src: DataSource = resumed ? { data: saved!.name, target: saved!.builtin ? undefined : saved!.target, task: saved!.csvTask } : { data: o.data!, target: o.target, task: o.task };
  const splitSpec: SplitSpec = resumed ? saved!.split! : { seed: o.seed, validation: o.validation, test: o.test };
  const ds = readData(src);
  const data = prepareSplits(ds, splitSpec, resumed?.preprocessor);
  const features = data.train.x.shape[1];
  const config = resumed
    ? { ...(resumed.config ?? {}) }
    : { model: o.model, optimizer: o.optimizer, lr: o.lr ?? null, schedule: o.schedule, batchSize: o.batchSize, seed: o.seed, validation: o.validation, test: o.test, patience: o.patience ?? null, adversarial: adversarialConfig(o, data.preprocessor.spec, ds) };
  const modelName = String(config.model);

  let model;
  if (resumed) model = resumed.model;
  else
    try {
      model = modelFor(o.model!, features, ds.task, ds.classes.length);
    } catch (e) {
      if (e instanceof ValueError) throw new UsageError(e.message);
      throw e;
    }
  const optimizer = resumed ? undefined : optimizerSpec(o.optimizer, o.lr, o.schedule, o.epochs * Math.ceil(data.train.x.shape[0] / Math.min(o.batchSize, data.train.x.shape[0])));
  const patience = resumed ? (config.patience as number | null) : (o.patience ?? null);

  const description = describeData(src, ds, splitSpec);
  const base: Omit<Checkpoint, "params" | "state" | "training"> = {
    model,
    inputShape: [features],
    task: ds.task,
    loss: defaultLoss(ds.task, model.outputShape([features])[0] ?? 1),
    preprocessor: data.preprocessor.toJSON(),
    dataset: description,
    config,
  };
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once("SIGINT", onSigint);
  let result: FitResult;
  try {
    result = await fit(model, data.train, {
      epochs: o.epochs,
      batchSize: resumed ? undefined : o.batchSize,
      seed: resumed ? undefined : o.seed,
      optimizer,
      resume: resumed?.training ?? undefined,
      validation: data.validation.x.shape[0] > 0 ? data.validation : undefined,
      earlyStopping: patience !== null ? { patience } : undefined,
      adversarial: adversarialTraining(config.adversarial as AdversarialConfig | null | undefined, data.preprocessor.spec, ds),
      callbacks: o.saveEveryEpoch && o.out ? [saveEveryEpoch(join(o.out, "epochs"), base)] : [],
      signal: controller.signal,
      onProgress: o.quiet ? undefined : progressReporter(process.stderr),
    });
  } finally {
    process.removeListener("SIGINT", onSigint);
  }

  const splits: Record<string, Metrics> = {};
  for (const name of ["train", "validation", "test"] as const)
    if (data[name].x.shape[0] > 0) splits[name] = evaluate(model, result.params, data[name], { state: result.modelState, loss: result.loss });
  if (o.out) {
    saveCheckpoint(o.out, { ...base, loss: result.lossName, params: result.params, state: result.modelState, training: result.training, metrics: { history: result.history, final: splits } });
    writeFileSync(join(o.out, "trace.json"), traceToJSON(result.trace) + "\n");
  }
  const report = {
    command: "train",
    dataset: src.data,
    model: modelName,
    optimizer: result.training.optimizer ?? { name: result.training.optimizerName },
    seed: result.training.seed,
    epochs: result.training.epoch,
    steps: result.training.step,
    status: result.status,
    seconds: Number(result.seconds.toFixed(3)),
    rows: { train: data.train.x.shape[0], validation: data.validation.x.shape[0], test: data.test.x.shape[0] },
    adversarial: config.adversarial ?? null,
    ...splits,
    out: o.out ?? null,
  };
  if (o.json) out.json(report);
  else {
    out.line(`trained ${modelName} on ${src.data} (${report.rows.train} training rows) for ${report.epochs} epochs in ${report.seconds.toFixed(1)}s: ${result.status}`);
    const adv = config.adversarial as AdversarialConfig | null | undefined;
    if (adv) out.line(`adversarially, on PGD inputs (${adv.steps} steps, L-infinity epsilon ${adv.epsilon} in ${adv.unit}); the per-epoch training metrics are on those inputs, the table below on the clean data`);
    printMetricsTable(out, splits);
    if (o.out) out.line(`saved to ${o.out}`);
  }
  return result.status === "cancelled" ? EXIT.interrupted : EXIT.ok;
}

/** The `train` command. @example program.addCommand(trainCommand(out, done)) */
export function trainCommand(out: Output, done: (code: number) => void): Command {
  return new Command("train")
    .description("train a model on a built-in dataset or a CSV file and report train/validation/test metrics")
    .option("--data <name|file.csv>", "a built-in dataset (see `gradnav datasets`) or a CSV file")
    .option("--target <column>", "the CSV column to predict (default: the last column)")
    .addOption(new Option("--task <task>", "force the task for a CSV target").choices(["classification", "regression"]))
    .option("--model <spec>", `the model:\n${MODEL_HELP}`)
    .option("--optimizer <name>", `one of ${OPTIMIZER_NAMES.join(", ")}`, "adam")
    .option("--lr <rate>", "learning rate (default 1e-3)", positiveNumberArg)
    .addOption(new Option("--schedule <schedule>", "learning-rate schedule: constant, or cosine decay to 0 over the run").choices(["constant", "cosine"]).default("constant"))
    .option("--epochs <n>", "epochs to train (with --resume: epochs to add)", intArg(0), 10)
    .option("--batch-size <n>", "rows per step", intArg(1), 32)
    .option("--seed <s>", "seed for the split, the initial weights, shuffling and dropout", seedArg, 0)
    .option("--validation <fraction>", "fraction of rows held out for validation", fractionArg, 0.15)
    .option("--test <fraction>", "fraction of rows held out for test (datasets with an official test set use it)", fractionArg, 0.25)
    .option("--patience <epochs>", "stop early when the validation loss has not improved for this many epochs (restores the best weights)", intArg(0))
    .addOption(new Option("--adversarial <attack>", "adversarial training: each step trains on inputs the attack finds against the current weights").choices(["pgd"]))
    .option("--adv-eps <epsilon>", "the attack's L-infinity budget: standard deviations for tabular data, a fraction of the pixel range for images (as audit robustness --eps)", positiveNumberArg)
    .option("--adv-steps <n>", "PGD steps per training step (default 7)", intArg(1))
    .option("--out <folder>", "save the checkpoint (model.safetensors, model.json, optimizer state, trace.json) here")
    .option("--resume <folder>", "continue training the checkpoint in this folder (saved back there unless --out says elsewhere)")
    .option("--save-every-epoch", "also save a checkpoint per epoch under <out>/epochs/epoch-NNNN")
    .option("--json", "print one JSON object with the results to stdout")
    .option("--quiet", "no progress output")
    .option("--constraint <kind<=bound>", "train a binary classifier under a fairness constraint: demographic_parity, equalized_odds, equal_opportunity or bounded_group_loss, e.g. demographic_parity<=0.05 (repeatable)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option("--sensitive <column>", "the sensitive column the constraint is about (default: the dataset's first)")
    .addOption(new Option("--fairness-method <method>", "lagrangian (soft constraint), proxy (multipliers follow the actual decisions) or expgrad (exponentiated gradient; --epochs rounds)").choices(["lagrangian", "proxy", "expgrad"]).default("proxy"))
    .option("--multiplier-lr <rate>", "step size of the Lagrange multipliers (default 0.1)", positiveNumberArg)
    .option("--l2 <lambda>", "L2 strength for constrained training", positiveNumberArg, 1e-4)
    .option("--sweep <bounds>", "train at each of these bounds of the --constraint kind, warm-starting, and save the front (front.json, front.svg)")
    .option("--no-warm-start", "constrained training: start from the initial weights, not from the unconstrained optimum")
    .addHelpText("after", "\nExamples:\n  gradnav train --data breast-cancer-wisconsin --model logreg --epochs 30 --seed 0 --json\n  gradnav train --data mnist --model cnn --epochs 3 --out runs/mnist\n  gradnav train --data mnist --model cnn --epochs 3 --adversarial pgd --adv-eps 0.1 --out runs/mnist-robust\n  gradnav train --resume runs/mnist --epochs 2 --out runs/mnist\n  gradnav train --data adult --model logreg --constraint demographic_parity<=0.05 --sensitive sex --batch-size 2048 --epochs 20 --out runs/adult-dp")
    .action(async (o: TrainOptions, cmd: Command) => done(await runTrain(o, out, (k) => cmd.getOptionValueSource(k) === "cli")));
}
