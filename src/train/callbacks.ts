/**
 * Callbacks: code that runs at points of a `fit` run (start, each step, each epoch, end), sees the
 * training state, and may stop the run. Early stopping is one. A callback with state that must
 * survive a checkpoint and `--resume` gives itself a `name` and `getState`/`setState`.
 */
import { ValueError } from "../core/errors.js";
import type { Tree } from "../core/tree.js";
import type { Layer } from "../nn/layer.js";
import type { TraceStep } from "../optim/trace.js";
import type { Metrics } from "./evaluate.js";
import type { TrainingState } from "./fit.js";

/** What one epoch did: training metrics (running means over its batches), validation metrics (a full pass in evaluation mode), timing. */
export interface EpochLog {
  /** Epochs completed so far, counting those before a resume (1 after the first epoch). */
  epoch: number;
  /** Optimizer steps completed so far. */
  steps: number;
  /** Loss and metrics averaged over the epoch's batches, each computed before its update (as Keras reports them). */
  train: Metrics;
  /** Loss and metrics on the validation data at the end of the epoch (absent without validation data). */
  validation?: Metrics;
  /** The learning rate of the epoch's last step, as the optimizer reported it (null if none). */
  lr: number | null;
  seconds: number;
  samplesPerSecond: number;
}

/** Why a run ended. */
export type FitStatus = "completed" | "earlyStopping" | "cancelled" | "stopped";

/** The training state callbacks see. `params` may be replaced (e.g. by the best epoch's) in onTrainEnd. */
export interface TrainingContext {
  readonly model: Layer;
  params: Tree;
  modelState: Tree;
  readonly optState: unknown;
  /** Epochs completed (absolute). */
  readonly epoch: number;
  /** Steps completed (absolute). */
  readonly step: number;
  readonly history: readonly EpochLog[];
  /** Ends the run after the current epoch (or step); `status` says why (default "stopped"). */
  stop(status?: FitStatus): void;
  /** The state to resume from right now (what a checkpoint saves). */
  snapshot(): TrainingState;
}

/** Hooks into a fit run; every method is optional and may be async. */
export interface Callback {
  /** Key under which getState's value is saved in checkpoints (needed with getState). */
  readonly name?: string;
  onTrainBegin?(ctx: TrainingContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainingContext): void | Promise<void>;
  /** After each optimizer step, with its trace record. */
  onStep?(step: TraceStep, ctx: TrainingContext): void | Promise<void>;
  onEpochEnd?(log: EpochLog, ctx: TrainingContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainingContext, status: FitStatus): void | Promise<void>;
  /** State to save in a checkpoint (a tree: tensors, numbers, strings, arrays, plain objects). */
  getState?(): unknown;
  /** Restores what getState returned (on resume). */
  setState?(state: unknown): void;
}

/** Options of `earlyStopping`. */
export interface EarlyStoppingOptions {
  /**
   * What to watch, "split.metric": "validation.loss" (the default when there is validation data, else
   * "train.loss"), "validation.accuracy", "train.rmse", ...
   */
  monitor?: string;
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  /** "min" or "max" (default: "max" for accuracy and r2, "min" otherwise). */
  mode?: "min" | "max";
  /** At the end of the run, put back the parameters (and model state) of the best epoch (default true). */
  restoreBest?: boolean;
}

/** What earlyStopping remembers (saved in checkpoints so a resumed run keeps counting). */
export interface EarlyStoppingState {
  monitor: string | null;
  best: number | null;
  bestEpoch: number | null;
  wait: number;
  bestParams: Tree | null;
  bestModelState: Tree | null;
}

function readMetric(log: EpochLog, monitor: string): number {
  const [split, metric] = monitor.split(".");
  const m = split === "train" ? log.train : split === "validation" ? log.validation : undefined;
  if (m === undefined)
    throw new ValueError(`earlyStopping: the epoch log has no ${split} metrics to monitor ("${monitor}")${split === "validation" ? "; pass validation data to fit" : ""}`);
  if (!(metric in m))
    throw new ValueError(`earlyStopping: "${monitor}" is not a metric of this run; the ${split} metrics are ${Object.keys(m).map((k) => `${split}.${k}`).join(", ")}`);
  return (m as unknown as Record<string, number>)[metric];
}

/**
 * Stops training when the monitored metric has not improved by more than `minDelta` for `patience`
 * epochs, and (with restoreBest, the default) puts back the best epoch's parameters at the end of the
 * run. A NaN value never counts as an improvement. Throws a ValueError for a bad option, or (at the
 * first epoch) for a monitor the run does not report.
 * @example
 * await gn.train.fit(model, data.train, { validation: data.validation, callbacks: [gn.train.earlyStopping({ patience: 3 })] });
 */
export function earlyStopping(opts: EarlyStoppingOptions = {}): Callback & { readonly state: EarlyStoppingState } {
  const patience = opts.patience ?? 5;
  if (!Number.isInteger(patience) || patience < 0) throw new ValueError(`earlyStopping: patience must be an integer >= 0, got ${patience}`);
  const minDelta = opts.minDelta ?? 0;
  if (!(minDelta >= 0)) throw new ValueError(`earlyStopping: minDelta must be a number >= 0, got ${minDelta}`);
  if (opts.monitor !== undefined && !/^(train|validation)\.\w+$/.test(opts.monitor))
    throw new ValueError(`earlyStopping: monitor must look like "validation.loss" or "train.accuracy", got ${JSON.stringify(opts.monitor)}`);
  if (opts.mode !== undefined && opts.mode !== "min" && opts.mode !== "max") throw new ValueError(`earlyStopping: mode must be "min" or "max", got ${JSON.stringify(opts.mode)}`);
  const restoreBest = opts.restoreBest ?? true;
  let s: EarlyStoppingState = { monitor: opts.monitor ?? null, best: null, bestEpoch: null, wait: 0, bestParams: null, bestModelState: null };
  return {
    name: "earlyStopping",
    get state() {
      return s;
    },
    onEpochEnd(log, ctx) {
      const monitor = (s.monitor ??= log.validation ? "validation.loss" : "train.loss");
      const mode = opts.mode ?? (/\.(accuracy|r2)$/.test(monitor) ? "max" : "min");
      const v = readMetric(log, monitor);
      const improved = !Number.isNaN(v) && (s.best === null || (mode === "min" ? v < s.best - minDelta : v > s.best + minDelta));
      if (improved) s = { ...s, best: v, bestEpoch: log.epoch, wait: 0, bestParams: restoreBest ? ctx.params : null, bestModelState: restoreBest ? ctx.modelState : null };
      else {
        s = { ...s, wait: s.wait + 1 };
        if (s.wait >= patience) ctx.stop("earlyStopping");
      }
    },
    onTrainEnd(ctx) {
      if (restoreBest && s.bestParams !== null && s.bestEpoch !== ctx.epoch) {
        ctx.params = s.bestParams;
        ctx.modelState = s.bestModelState ?? ctx.modelState;
      }
    },
    getState: () => s,
    setState(state) {
      s = state as EarlyStoppingState;
    },
  };
}
