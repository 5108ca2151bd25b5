/**
 * fit: mini-batch training of a model (a gn.nn layer) on tensors, with any gn.optim optimizer,
 * per-epoch metrics, validation, early stopping, callbacks, cancellation and exact resumption.
 * Browser-safe: progress goes to a callback, nothing is printed or written.
 *
 * Determinism: everything random comes from `seed` through counter-based keys: the initial
 * parameters from foldIn(key(seed), 1), epoch e's shuffle from foldIn(foldIn(key(seed), 2), e), step
 * s's Dropout key from foldIn(foldIn(key(seed), 3), s). So the same seed gives the same parameters,
 * bit for bit, and a run resumed from its TrainingState continues exactly as if never stopped.
 */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { type Tree, treeLeaves } from "../core/tree.js";
import { batches } from "../data/batches.js";
import type { Layer } from "../nn/layer.js";
import { disposeDropped } from "../optim/dispose.js";
import { TraceRecorder, type OptimTrace } from "../optim/trace.js";
import type { GradientTransformation } from "../optim/transform.js";
import { foldIn, key as makeKey } from "../random/index.js";
import type { Callback, EpochLog, FitStatus, TrainingContext } from "./callbacks.js";
import { earlyStopping, type EarlyStoppingOptions } from "./callbacks.js";
import { type Metrics, evaluate, predictedClasses } from "./evaluate.js";
import { type LossFn, type LossName, type TaskKind, defaultLoss, resolveLoss, taskOf } from "./loss.js";
import { type OptimizerName, type OptimizerSpec, isTransformation, optimizerFromSpec } from "./optimizer.js";
import type { ProgressEvent } from "./progress.js";
import { type AdversarialTrainingOptions, checkAdversarial } from "./adversarial.js";
import { makeTrainStep } from "./step.js";

/** Labelled rows: features x [N, ...], labels y [N] (int32 class indices or float targets), optional sample weights [N]. */
export interface FitData {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly weights?: Tensor;
}

/** Everything needed to continue a run exactly where it stopped (a checkpoint saves it). */
export interface TrainingState {
  seed: number;
  /** Epochs completed. */
  epoch: number;
  /** Batches completed in the epoch that was under way (0 at an epoch boundary). */
  batch: number;
  /** Optimizer steps completed. */
  step: number;
  batchSize: number;
  shuffle: boolean;
  /** The parameters and model state reached (the last ones, even when early stopping restored others). */
  params: Tree;
  modelState: Tree;
  optState: unknown;
  /** The optimizer as a spec (null when a transformation object was passed: pass it again to resume). */
  optimizer: OptimizerSpec | null;
  optimizerName: string;
  /** Saved states of named callbacks (early stopping's best value and patience count). */
  callbacks: Record<string, unknown>;
  history: EpochLog[];
}

/** Options of `fit`. */
export interface FitOptions {
  /** A loss name or function (output, y, { weights }) => scalar (default: by the labels and the model's outputs, see defaultLoss). */
  loss?: LossName | LossFn;
  /** A gradient transformation, a spec { name, options }, or a name (default { name: "adam", options: { lr: 1e-3 } }). */
  optimizer?: GradientTransformation | OptimizerSpec | OptimizerName;
  /** Epochs to run in this call (default 10; after a resume: this many more). */
  epochs?: number;
  /** Rows per step (default 32; larger than the data means full batch). */
  batchSize?: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Data to compute validation metrics on after each epoch. */
  validation?: FitData;
  /** Stop when validation (or training) loss stops improving: true for the defaults, or options. */
  earlyStopping?: boolean | EarlyStoppingOptions;
  callbacks?: readonly Callback[];
  /** Seed for initialisation, shuffling and Dropout (default 0). */
  seed?: number;
  /** Cancels the run after the current step (status "cancelled"); the result holds what was reached. */
  signal?: AbortSignal;
  /** Starting parameters and state (default model.init(foldIn(key(seed), 1), inputShape)). */
  init?: { params: Tree; state?: Tree };
  /** Continue a previous run (its result's `training`, or a checkpoint's). */
  resume?: TrainingState;
  /** Added to every batch loss (e.g. gn.train.l2Penalty(1e-4)). */
  penalty?: (params: any) => Tensor;
  /**
   * Adversarial training: each step trains on PGD inputs found against the current parameters
   * ({ epsilon, steps: 7, norm: Infinity, bounds, mix: 1 }; epsilon in model-input units). Needs class
   * labels. Training metrics are then measured on the adversarial batches. Not part of the resumable
   * state: pass it again when resuming.
   */
  adversarial?: AdversarialTrainingOptions;
  /** Receives progress events (a terminal bar: gradnav/node's progressReporter). */
  onProgress?: (e: ProgressEvent) => void;
  /** Record the parameters in the trace every this many steps (default 0: never). */
  traceParamsEvery?: number;
  /** Yield to the event loop at least this often, in milliseconds, so signals and output get through (default 25). */
  yieldEveryMs?: number;
}

/** What `fit` returns. */
export interface FitResult {
  /** The trained parameters (the best epoch's when early stopping restored them). */
  params: Tree;
  /** The model state that goes with `params`. */
  modelState: Tree;
  optState: unknown;
  history: EpochLog[];
  /** Every step: loss, gradient norm, update norm, learning rate, line-search and clipping events. */
  trace: OptimTrace;
  status: FitStatus;
  task: TaskKind;
  /** The loss's name ("custom" for a function). */
  lossName: LossName | "custom";
  loss: LossFn;
  /** Resume from here with fit(model, data, { resume: result.training }). */
  training: TrainingState;
  seconds: number;
}

function checkData(op: string, d: FitData, what: string): void {
  if (d === null || typeof d !== "object" || d.x === undefined || d.y === undefined)
    throw new ValueError(`${op}: ${what} must be an object { x, y } of tensors (e.g. gn.data.prepare(...).train)`);
  if (d.x.ndim < 1 || d.y.ndim < 1 || d.x.shape[0] !== d.y.shape[0])
    throw new ShapeError(`${op}: ${what}.x has shape ${fmtShape(d.x.shape)} and ${what}.y has shape ${fmtShape(d.y.shape)}; they need the same number of rows`);
  if (d.x.shape[0] === 0) throw new ValueError(`${op}: ${what} has no rows`);
  if (d.weights !== undefined && (d.weights.ndim !== 1 || d.weights.shape[0] !== d.x.shape[0]))
    throw new ShapeError(`${op}: ${what}.weights has shape ${fmtShape(d.weights.shape)}; expected one weight per row, [${d.x.shape[0]}]`);
}

function positiveInt(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new ValueError(`${op}: ${name} must be an integer >= 0, got ${v}`);
  return v;
}

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Trains `model` on `data` by mini-batch gradient steps and returns the trained parameters, the
 * per-epoch history and the optimizer trace. See the module notes for what the seed determines.
 *
 * Each epoch shuffles the rows, steps through batches (loss and gradient by valueAndGrad with the
 * model in training mode, then the optimizer's update), then computes validation metrics in
 * evaluation mode. Training metrics are running means over the epoch's batches. A NaN loss is
 * trained on as it is (the optimizer decides: wrap it in gn.optim.skipIfNotFinite to skip such steps).
 *
 * Throws a ValueError or ShapeError for data without matching rows, a bad option, or an unknown
 * loss or optimizer name.
 * @example
 * const data = gn.data.prepare(gn.data.loadDataset("iris"), { seed: 0 });
 * const model = gn.nn.sequential([gn.nn.linear(4, 16), gn.nn.relu(), gn.nn.linear(16, 3)]);
 * const result = await gn.train.fit(model, data.train, { validation: data.validation, epochs: 20, seed: 0 });
 * result.history.at(-1).validation.accuracy;
 */
export async function fit(model: Layer, data: FitData, o: FitOptions = {}): Promise<FitResult> {
  const op = "fit";
  if (!model || typeof model.apply !== "function" || typeof model.init !== "function") throw new ValueError(`${op}: the first argument must be a layer (e.g. gn.nn.sequential([...]))`);
  checkData(op, data, "data");
  if (o.validation !== undefined) checkData(op, o.validation, "validation");
  const r = o.resume;
  if (r !== undefined && o.seed !== undefined && o.seed !== r.seed) throw new ValueError(`${op}: seed ${o.seed} differs from the resumed run's seed ${r.seed}; leave seed out when resuming`);
  const seed = r?.seed ?? o.seed ?? 0;
  const base = makeKey(seed);
  const n = data.x.shape[0];
  const epochs = positiveInt(op, "epochs", o.epochs ?? 10);
  const batchSize = o.batchSize ?? r?.batchSize ?? 32;
  if (!(batchSize >= 1) || (!Number.isInteger(batchSize) && batchSize !== Infinity)) throw new ValueError(`${op}: batchSize must be a positive integer, got ${batchSize}`);
  const bs = Math.min(batchSize, n);
  const shuffle = o.shuffle ?? r?.shuffle ?? true;
  const yieldEvery = o.yieldEveryMs ?? 25;

  // Each step's old parameters, states, gradients and batch are disposed (optim/dispose.ts), except the
  // tensors in `held`: the caller's (data, init, a resumed state) and every tensor handed out (to
  // callbacks through ctx, in snapshots), which their holders may keep.
  const held = new WeakSet<Tensor>();
  const hold = <T>(tree: T): T => {
    for (const x of treeLeaves(tree)) held.add(x);
    return tree;
  };
  hold([data.x, data.y, data.weights]);
  const inputShape = data.x.shape.slice(1);
  let params: Tree;
  let modelState: Tree;
  if (r) [params, modelState] = hold([r.params, r.modelState]);
  else if (o.init) [params, modelState] = hold([o.init.params, o.init.state ?? {}]);
  else ({ params, state: modelState } = model.init(foldIn(base, 1), inputShape));

  const task = taskOf(data.y);
  const outShape = model.outputShape(inputShape);
  const outputs = outShape.length === 0 ? 1 : outShape[outShape.length - 1];
  const lossName: LossName | "custom" = typeof o.loss === "function" ? "custom" : (o.loss ?? defaultLoss(task, outputs));
  const loss = resolveLoss(o.loss ?? (lossName as LossName));

  const optInput = o.optimizer ?? (r?.optimizer ? r.optimizer : undefined) ?? { name: "adam" as const, options: { lr: 1e-3 } };
  if (r && r.optimizer === null && o.optimizer === undefined)
    throw new ValueError(`${op}: the resumed run used an optimizer object (${r.optimizerName}); pass the same optimizer again`);
  const optimizer = isTransformation(optInput) ? optInput : optimizerFromSpec(optInput);
  const optimizerSpec = isTransformation(optInput) ? null : typeof optInput === "string" ? { name: optInput } : optInput;
  let optState = r ? hold(r.optState) : optimizer.init(params);
  const adversarial = o.adversarial === undefined ? undefined : checkAdversarial(op, o.adversarial);
  if (adversarial && task !== "classification") throw new ValueError(`${op}: adversarial training needs class labels (int32); these labels are ${data.y.dtype} regression targets`);
  const step = makeTrainStep(model, { loss, optimizer, penalty: o.penalty, adversarial });

  const callbacks: Callback[] = [...(o.callbacks ?? [])];
  if (o.earlyStopping) callbacks.push(earlyStopping(o.earlyStopping === true ? {} : o.earlyStopping));
  for (const cb of callbacks) if (cb.name && cb.setState && r?.callbacks[cb.name] !== undefined) cb.setState(r.callbacks[cb.name]);

  const history: EpochLog[] = r ? [...r.history] : [];
  let epoch = r?.epoch ?? 0;
  let batchInEpoch = r?.batch ?? 0;
  let stepCount = r?.step ?? 0;
  let status: FitStatus = "completed";
  let stopRequested: FitStatus | null = null;
  let ctxParams = params;
  let ctxModelState = modelState;
  const ctx: TrainingContext = {
    model,
    get params() {
      return hold(ctxParams);
    },
    set params(p: Tree) {
      ctxParams = p;
    },
    get modelState() {
      return hold(ctxModelState);
    },
    set modelState(s: Tree) {
      ctxModelState = s;
    },
    get optState() {
      return hold(optState);
    },
    get epoch() {
      return epoch;
    },
    get step() {
      return stepCount;
    },
    history,
    stop: (s: FitStatus = "stopped") => void (stopRequested = s),
    snapshot: () => trainingState(params, modelState),
  };
  const trainingState = (p: Tree, ms: Tree): TrainingState => {
    const states: Record<string, unknown> = {};
    for (const cb of callbacks) if (cb.name && cb.getState) states[cb.name] = cb.getState();
    return {
      seed,
      epoch,
      batch: batchInEpoch,
      step: stepCount,
      batchSize: bs,
      shuffle,
      params: hold(p),
      modelState: hold(ms),
      optState: hold(optState),
      optimizer: optimizerSpec as OptimizerSpec | null,
      optimizerName: optimizer.name,
      callbacks: states,
      history: [...history],
    };
  };
  const sync = () => {
    ctxParams = params;
    ctxModelState = modelState;
  };

  const recorder = new TraceRecorder({ optimizer: optimizer.name, paramsEvery: o.traceParamsEvery ?? 0 });
  const batchesPerEpoch = Math.ceil(n / bs);
  const shuffleRoot = foldIn(base, 2);
  const stepRoot = foldIn(base, 3);
  const t0 = Date.now();
  let lastYield = t0;
  let lastLoss = NaN;
  let lastGradNorm = NaN;
  let evals = 0;
  let lr: number | null = null;

  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
  o.onProgress?.({ kind: "begin", epochs: epoch + epochs, startEpoch: epoch, batches: batchesPerEpoch, samples: n });

  const endEpoch = epoch + epochs;
  while (epoch < endEpoch && status === "completed") {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch + 1, ctx);
    const e0 = Date.now();
    const running = new RunningMetrics(task);
    let skip = batchInEpoch;
    const order = batches({ x: data.x, y: data.y }, { batchSize: bs, key: shuffle ? foldIn(shuffleRoot, epoch) : undefined });
    for (const b of order) {
      if (skip > 0) {
        skip--;
        continue;
      }
      if (o.signal?.aborted) {
        status = "cancelled";
        break;
      }
      const weights = data.weights?.take(b.indices, 0);
      const res = step(params, modelState, optState, { x: b.x, y: b.y, weights, key: foldIn(stepRoot, stepCount) });
      const rec = recorder.record({ loss: res.loss, grads: res.grads, updates: res.updates, info: res.info, params });
      evals++;
      lastLoss = rec.loss;
      lastGradNorm = rec.gradNorm;
      lr = rec.lr ?? lr;
      running.add(rec.loss, res.output, b.y, weights);
      disposeDropped(
        [params, modelState, optState, res.grads, res.updates, res.loss, res.output, b.x, b.y, weights],
        [res.params, res.modelState, res.optState, res.info],
        held,
      );
      params = res.params;
      modelState = res.modelState;
      optState = res.optState;
      stepCount++;
      batchInEpoch++;
      sync();
      for (const cb of callbacks) await cb.onStep?.(rec, ctx);
      o.onProgress?.({ kind: "batch", epoch: epoch + 1, epochs: endEpoch, batch: batchInEpoch, batches: batchesPerEpoch, loss: running.loss(), seconds: (Date.now() - e0) / 1000 });
      if (stopRequested !== null) break;
      if (Date.now() - lastYield >= yieldEvery) {
        await pause();
        lastYield = Date.now();
      }
    }
    if (status === "cancelled") break;
    if (stopRequested !== null && batchInEpoch < batchesPerEpoch) {
      status = stopRequested;
      break;
    }
    epoch++;
    batchInEpoch = 0;
    const seconds = (Date.now() - e0) / 1000;
    const train = running.metrics();
    const log: EpochLog = {
      epoch,
      steps: stepCount,
      train,
      lr,
      seconds,
      samplesPerSecond: running.rows / Math.max(seconds, 1e-9),
    };
    if (o.validation) log.validation = evaluate(model, params, o.validation, { state: modelState, loss });
    history.push(log);
    o.onProgress?.({ kind: "epoch", log, epochs: endEpoch });
    for (const cb of callbacks) await cb.onEpochEnd?.(log, ctx);
    if (stopRequested !== null) status = stopRequested;
    await pause();
    lastYield = Date.now();
  }

  const lastParams = params;
  const lastModelState = modelState;
  sync();
  for (const cb of callbacks) await cb.onTrainEnd?.(ctx, status);
  recorder.finish({ loss: lastLoss, gradNorm: lastGradNorm, params: lastParams, status: status === "cancelled" ? "cancelled" : status === "completed" ? "maxSteps" : "stopped", evals });
  const seconds = (Date.now() - t0) / 1000;
  o.onProgress?.({ kind: "end", status, epoch, seconds });
  return {
    params: ctxParams,
    modelState: ctxModelState,
    optState,
    history,
    trace: recorder.trace,
    status,
    task,
    lossName,
    loss,
    seconds,
    training: trainingState(lastParams, lastModelState),
  };
}

/**
 * Training metrics as running (sample-weighted) means over an epoch's batches, each batch's outputs
 * taken before its update: accuracy for classes; RMSE, MAE and R^2 from sums for real targets.
 */
class RunningMetrics {
  rows = 0;
  private w = 0;
  private lossSum = 0;
  private correct = 0;
  private se = 0;
  private ae = 0;
  private ySum = 0;
  private y2Sum = 0;

  constructor(private readonly task: TaskKind) {}

  add(loss: number, output: Tensor, y: Tensor, weights: Tensor | undefined): void {
    const rows = y.shape[0];
    const w = weights?.toTypedArray();
    const yv = y.toTypedArray();
    let wb = 0;
    for (let i = 0; i < rows; i++) wb += w ? w[i] : 1;
    this.rows += rows;
    this.w += wb;
    this.lossSum += loss * wb;
    if (this.task === "classification") {
      const classes = predictedClasses(output);
      const pred = classes.toTypedArray();
      classes.dispose();
      for (let i = 0; i < rows; i++) if (pred[i] === yv[i]) this.correct += w ? w[i] : 1;
      return;
    }
    const out = output.toTypedArray();
    if (out.length !== yv.length) return;
    for (let i = 0; i < yv.length; i++) {
      const wi = w ? w[Math.floor(i / (yv.length / rows))] : 1;
      const d = out[i] - yv[i];
      this.se += wi * d * d;
      this.ae += wi * Math.abs(d);
      this.ySum += wi * yv[i];
      this.y2Sum += wi * yv[i] * yv[i];
    }
  }

  loss(): number {
    return this.lossSum / this.w;
  }

  metrics(): Metrics {
    const m: Metrics = { loss: this.loss() };
    if (this.task === "classification") m.accuracy = this.correct / this.w;
    else {
      const sst = this.y2Sum - (this.ySum * this.ySum) / this.w;
      m.rmse = Math.sqrt(this.se / this.w);
      m.mae = this.ae / this.w;
      m.r2 = sst > 0 ? 1 - this.se / sst : this.se === 0 ? 1 : 0;
    }
    return m;
  }
}
