/**
 * Checkpoints: a trained model as files, so that Python tools can read the weights and gradnav can
 * predict with it or resume its training exactly. Browser-safe: this module turns a checkpoint into
 * named byte arrays and back; gradnav/node's saveCheckpoint/loadCheckpoint put them in a folder.
 *
 * - model.safetensors: parameters and model state, named by tree path ("0.w", "0.b", ...);
 * - model.json: the architecture (the layer spec), the input shape, the task and loss, the fitted
 *   preprocessing, the dataset (name, target, classes), the training configuration and metrics;
 * - optimizer.safetensors + optimizer.json (only with a training state): the optimizer state's
 *   tensors and the rest of its tree, the step and epoch counters and the callbacks' state.
 */
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { type Tree, treeLeavesWithPath, treeUnflatten } from "../core/tree.js";
import { loadSafetensors, saveSafetensors } from "../io/safetensors.js";
import type { Layer } from "../nn/layer.js";
import { type LayerSpec, fromSpec } from "../nn/spec.js";
import { key as makeKey } from "../random/index.js";
import type { EpochLog } from "./callbacks.js";
import type { Metrics } from "./evaluate.js";
import type { TrainingState } from "./fit.js";
import type { TaskKind } from "./loss.js";
import type { OptimizerSpec } from "./optimizer.js";
import { type Json, decodeTree, encodeTree } from "./treeCodec.js";

/** The format tag written into model.json and optimizer.json. @example JSON.parse(text).format === gn.train.CHECKPOINT_FORMAT */
export const CHECKPOINT_FORMAT = "gradnav.checkpoint";
/** The checkpoint format version this gradnav writes and reads. @example gn.train.CHECKPOINT_VERSION // 1 */
export const CHECKPOINT_VERSION = 1;

/** Where the training data came from, so that `gradnav eval` can rebuild the same split. */
export interface DatasetDescription {
  /** A built-in dataset's name or a CSV path. */
  name: string;
  target: string;
  task: TaskKind;
  classes: string[];
  classNames: string[];
  /** The split: its seed and fractions. */
  split?: { seed: number; validation: number; test: number };
}

/** A checkpoint's contents. */
export interface Checkpoint {
  model: Layer;
  params: Tree;
  /** The model state (BatchNorm statistics); {} for stateless models. */
  state: Tree;
  /** Per-sample input shape, e.g. [30] or [1, 28, 28]. */
  inputShape: number[];
  task: TaskKind;
  /** The training loss's name ("custom" for a function). */
  loss: string;
  /** The fitted preprocessing (gn.data.Preprocessor's JSON), to transform new files the same way. */
  preprocessor?: unknown;
  dataset?: DatasetDescription | null;
  /** Free-form training configuration (e.g. the command-line options), for the record. */
  config?: Record<string, unknown>;
  /** Metrics: per-epoch history and final figures per split. */
  metrics?: { history?: EpochLog[]; final?: Record<string, Metrics> };
  /** The training state, to resume; without it no optimizer files are written. */
  training?: TrainingState | null;
}

/** The JSON of model.json. */
export interface ModelJson {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  kind: "model";
  model: LayerSpec;
  inputShape: number[];
  task: TaskKind;
  loss: string;
  /** The names in model.safetensors that are parameters and that are model state. */
  tensors: { params: string[]; state: string[] };
  preprocessor: unknown;
  dataset: DatasetDescription | null;
  config: Record<string, unknown>;
  metrics: { history: EpochLog[]; final: Record<string, Metrics> };
}

/** The JSON of optimizer.json. */
interface OptimizerJson {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  kind: "training";
  optimizer: OptimizerSpec | null;
  optimizerName: string;
  seed: number;
  epoch: number;
  batch: number;
  step: number;
  batchSize: number;
  shuffle: boolean;
  /** Everything else with tensors as {"$tensor": name} placeholders into optimizer.safetensors. */
  state: Json;
  callbacks: Json;
  /** Present when the last parameters differ from model.safetensors' (early stopping restored the best). */
  lastParams: Json | null;
  lastModelState: Json | null;
}

/** The file names of a checkpoint. @example join(dir, gn.train.CHECKPOINT_FILES.model) // ".../model.safetensors" */
export const CHECKPOINT_FILES = { model: "model.safetensors", modelJson: "model.json", optimizer: "optimizer.safetensors", optimizerJson: "optimizer.json" } as const;

function json(x: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(x, null, 2) + "\n");
}

/** Params and state as one tensor record named by path; a name in both is an error. */
function modelTensors(params: Tree, state: Tree): { tensors: Record<string, Tensor>; params: string[]; state: string[] } {
  const tensors: Record<string, Tensor> = {};
  const p = treeLeavesWithPath(params).map(([path, t]) => ((tensors[path] = t), path));
  const s = treeLeavesWithPath(state).map(([path, t]) => {
    if (path in tensors) throw new ValueError(`checkpoint: the model state and the parameters both have a tensor "${path}"; rename one of them`);
    tensors[path] = t;
    return path;
  });
  return { tensors, params: p, state: s };
}

/**
 * A checkpoint as named files (bytes): model.safetensors and model.json, plus optimizer.safetensors
 * and optimizer.json when it has a training state. Throws a ValueError when a tree holds something
 * JSON cannot (a function in an optimizer state).
 * @example
 * const files = gn.train.encodeCheckpoint({ model, params: r.params, state: r.modelState, inputShape: [4], task: "classification", loss: r.lossName, training: r.training });
 */
export function encodeCheckpoint(c: Checkpoint): Record<string, Uint8Array> {
  const m = modelTensors(c.params, c.state);
  const modelJson: ModelJson = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    kind: "model",
    model: c.model.spec,
    inputShape: [...c.inputShape],
    task: c.task,
    loss: c.loss,
    tensors: { params: m.params, state: m.state },
    preprocessor: c.preprocessor ?? null,
    dataset: c.dataset ?? null,
    config: c.config ?? {},
    metrics: { history: c.metrics?.history ?? c.training?.history ?? [], final: c.metrics?.final ?? {} },
  };
  const files: Record<string, Uint8Array> = {
    [CHECKPOINT_FILES.model]: saveSafetensors(m.tensors, { format: "pt", producer: "gradnav" }),
    [CHECKPOINT_FILES.modelJson]: json(modelJson),
  };
  const t = c.training;
  if (t) {
    const state = encodeTree(t.optState, "state.");
    const callbacks = encodeTree(t.callbacks, "callbacks.");
    const differs = t.params !== c.params;
    const lastParams = differs ? encodeTree(t.params, "lastParams.") : null;
    const lastState = differs ? encodeTree(t.modelState, "lastModelState.") : null;
    const optJson: OptimizerJson = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      kind: "training",
      optimizer: t.optimizer,
      optimizerName: t.optimizerName,
      seed: t.seed,
      epoch: t.epoch,
      batch: t.batch,
      step: t.step,
      batchSize: t.batchSize,
      shuffle: t.shuffle,
      state: state.json,
      callbacks: callbacks.json,
      lastParams: lastParams?.json ?? null,
      lastModelState: lastState?.json ?? null,
    };
    files[CHECKPOINT_FILES.optimizer] = saveSafetensors({ ...state.tensors, ...callbacks.tensors, ...lastParams?.tensors, ...lastState?.tensors }, { format: "gradnav" });
    files[CHECKPOINT_FILES.optimizerJson] = json(optJson);
  }
  return files;
}

function parseJson(bytes: Uint8Array | undefined, file: string, where: string): Record<string, any> {
  if (bytes === undefined) throw new ValueError(`checkpoint: ${where} has no ${file}`);
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new ValueError(`checkpoint: ${where}/${file} is not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== "object" || (v as { format?: unknown }).format !== CHECKPOINT_FORMAT)
    throw new ValueError(`checkpoint: ${where}/${file} is not a gradnav checkpoint (format should be "${CHECKPOINT_FORMAT}")`);
  if ((v as { version?: unknown }).version !== CHECKPOINT_VERSION)
    throw new ValueError(`checkpoint: ${where}/${file} has version ${JSON.stringify((v as { version?: unknown }).version)}; this gradnav reads version ${CHECKPOINT_VERSION}`);
  return v as Record<string, any>;
}

/** Fills a template tree's leaves from tensors named by path, checking shapes. */
function fillTree(template: Tree, tensors: Record<string, Tensor>, names: readonly string[], what: string, where: string): Tree {
  const leaves = treeLeavesWithPath(template);
  const expected = leaves.map(([p]) => p);
  const missing = expected.filter((p) => !names.includes(p) || !(p in tensors));
  const extra = names.filter((p) => !expected.includes(p));
  if (missing.length || extra.length)
    throw new ValueError(
      `checkpoint: ${where}: the ${what} do not match the architecture in model.json` +
        (missing.length ? `; missing: ${missing.join(", ")}` : "") +
        (extra.length ? `; unexpected: ${extra.join(", ")}` : ""),
    );
  return treeUnflatten(
    template,
    leaves.map(([p, t]) => {
      const v = tensors[p];
      if (v.shape.length !== t.shape.length || v.shape.some((d, i) => d !== t.shape[i]))
        throw new ValueError(`checkpoint: ${where}: tensor "${p}" has shape [${v.shape.join(", ")}] but the architecture gives [${t.shape.join(", ")}]`);
      return v;
    }),
  );
}

/**
 * Reads a checkpoint from its files (as `encodeCheckpoint` wrote them): rebuilds the model from its
 * spec, fills its parameter and state trees, and the training state when the optimizer files are
 * there. `where` names the checkpoint in error messages. Throws a ValueError for a missing file, a
 * file of another format or version, or tensors that do not fit the architecture.
 * @example const ckpt = gn.train.decodeCheckpoint(files); gn.train.predict(ckpt.model, ckpt.params, x);
 */
export function decodeCheckpoint(files: Record<string, Uint8Array>, where = "checkpoint"): Checkpoint & { json: ModelJson } {
  const mj = parseJson(files[CHECKPOINT_FILES.modelJson], CHECKPOINT_FILES.modelJson, where) as ModelJson;
  const modelBytes = files[CHECKPOINT_FILES.model];
  if (modelBytes === undefined) throw new ValueError(`checkpoint: ${where} has no ${CHECKPOINT_FILES.model}`);
  const { tensors } = loadSafetensors(modelBytes, `${where}/${CHECKPOINT_FILES.model}`);
  const model = fromSpec(mj.model);
  // The architecture's own init gives the tree structure and shapes to fill.
  const template = model.init(makeKey(0), mj.inputShape);
  const params = fillTree(template.params, tensors, mj.tensors.params, "parameters", `${where}/${CHECKPOINT_FILES.model}`);
  const state = fillTree(template.state, tensors, mj.tensors.state, "model state tensors", `${where}/${CHECKPOINT_FILES.model}`);
  let training: TrainingState | null = null;
  const ob = files[CHECKPOINT_FILES.optimizerJson];
  if (ob !== undefined) {
    const oj = parseJson(ob, CHECKPOINT_FILES.optimizerJson, where) as OptimizerJson;
    const sb = files[CHECKPOINT_FILES.optimizer];
    if (sb === undefined) throw new ValueError(`checkpoint: ${where} has ${CHECKPOINT_FILES.optimizerJson} but no ${CHECKPOINT_FILES.optimizer}`);
    const ot = loadSafetensors(sb, `${where}/${CHECKPOINT_FILES.optimizer}`).tensors;
    training = {
      seed: oj.seed,
      epoch: oj.epoch,
      batch: oj.batch,
      step: oj.step,
      batchSize: oj.batchSize,
      shuffle: oj.shuffle,
      params: oj.lastParams === null ? params : (decodeTree(oj.lastParams, ot) as Tree),
      modelState: oj.lastModelState === null ? state : (decodeTree(oj.lastModelState, ot) as Tree),
      optState: decodeTree(oj.state, ot),
      optimizer: oj.optimizer,
      optimizerName: oj.optimizerName,
      callbacks: decodeTree(oj.callbacks, ot) as Record<string, unknown>,
      history: mj.metrics?.history ?? [],
    };
  }
  return {
    json: mj,
    model,
    params,
    state,
    inputShape: mj.inputShape,
    task: mj.task,
    loss: mj.loss,
    preprocessor: mj.preprocessor,
    dataset: mj.dataset,
    config: mj.config,
    metrics: mj.metrics,
    training,
  };
}
