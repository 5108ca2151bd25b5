/**
 * Training (`gn.train`): `fit` a model to data with any optimizer, evaluate and predict, early
 * stopping and other callbacks, progress events, and checkpoints (safetensors weights + JSON) that
 * resume exactly. Browser-safe; writing checkpoints to folders and a terminal progress bar are in
 * the Node entry, "gradnav/node". See docs/training.md.
 *
 * @example
 * const data = gn.data.prepare(gn.data.loadDataset("iris"), { seed: 0 });
 * const model = gn.nn.sequential([gn.nn.linear(4, 16), gn.nn.relu(), gn.nn.linear(16, 3)]);
 * const result = await gn.train.fit(model, data.train, { validation: data.validation, epochs: 20 });
 * gn.train.evaluate(model, result.params, data.test); // { loss, accuracy }
 */
export { fit, type FitData, type FitOptions, type FitResult, type TrainingState } from "./fit.js";
export { makeTrainStep, type TrainStepOptions, type TrainStepResult, type StepBatch } from "./step.js";
export { evaluate, predict, probabilities, predictedClasses, type Metrics, type PredictOptions, type EvaluateOptions } from "./evaluate.js";
export { type LossFn, type LossName, type TaskKind, defaultLoss, resolveLoss, LOSS_NAMES } from "./loss.js";
export { type OptimizerName, type OptimizerSpec, optimizerFromSpec, OPTIMIZER_NAMES } from "./optimizer.js";
export { type Callback, type TrainingContext, type EpochLog, type FitStatus, type EarlyStoppingOptions, type EarlyStoppingState, earlyStopping } from "./callbacks.js";
export { type ProgressEvent, formatEpochLog, formatProgressBar, formatMetrics } from "./progress.js";
export { l2Penalty } from "./penalty.js";
export { type AdversarialTrainingOptions } from "./adversarial.js";
export { encodeTree, decodeTree, type Json } from "./treeCodec.js";
export {
  type Checkpoint,
  type ModelJson,
  type DatasetDescription,
  encodeCheckpoint,
  decodeCheckpoint,
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
} from "./checkpoint.js";
