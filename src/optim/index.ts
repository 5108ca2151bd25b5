/**
 * gn.optim: optimizers as named chains of pure gradient transformations, schedules, line searches,
 * L-BFGS, `minimize`, the trace of a run, and classic test functions. See docs/optimizers.md.
 *
 * @example
 * const opt = gn.optim.chain({ clip: gn.optim.clipByGlobalNorm(1), adam: gn.optim.adam({ lr: 1e-3 }) });
 * let state = opt.init(params);
 * const { updates, state: next } = opt.update(grads, state, params);
 * params = gn.optim.applyUpdates(params, updates);
 */
export {
  type GradientTransformation,
  type UpdateResult,
  type Extras,
  type StepInfo,
  type LineSearchInfo,
  type LineSearchTrial,
  type LbfgsInfo,
  type CurvaturePair,
  type ClipInfo,
  chain,
  applyUpdates,
  identity,
  setToZero,
  scale,
  scaleByLearningRate,
} from "./transform.js";
export { type Hyper, type HyperValue, getHyper, setHyper } from "./hyper.js";
export * from "./schedules.js";
export { sgd, scaleByMomentum, sgdLeafUpdate, type SgdOptions, type SgdState } from "./sgd.js";
export { adam, adamw, amsgrad, scaleByAdam, adamLeafUpdate, type AdamOptions, type AdamState } from "./adam.js";
export { nadam, nadamLeafUpdate, type NadamOptions, type NadamState } from "./nadam.js";
export { adagrad, scaleByAdagrad, adagradLeafUpdate, type AdagradOptions, type AdagradState } from "./adagrad.js";
export { rmsprop, scaleByRms, rmspropLeafUpdate, type RmspropOptions, type RmspropState } from "./rmsprop.js";
export { lion, lionLeafUpdate, type LionOptions, type LionState } from "./lion.js";
export { clipByValue, clipByGlobalNorm, type ClipState } from "./clip.js";
export { addDecayedWeights } from "./weightdecay.js";
export { masked, type Mask } from "./masked.js";
export { accumulateGradients, type AccumulateState } from "./accumulate.js";
export { skipIfNotFinite, type SkipState } from "./finite.js";
export { reduceOnPlateau, type PlateauOptions, type PlateauState } from "./plateau.js";
export {
  strongWolfe,
  backtracking,
  strongWolfeLineSearch,
  backtrackingLineSearch,
  type LinePoint,
  type LineSearchResult,
  type StrongWolfeOptions,
  type BacktrackingOptions,
} from "./linesearch.js";
export { lbfgs, scaleByLbfgs, lbfgsTwoLoop, type LbfgsOptions, type LbfgsState } from "./lbfgs.js";
export { minimize, minimizeSync, type MinimizeOptions, type MinimizeResult } from "./minimize.js";
export {
  TraceRecorder,
  traceToJSON,
  traceFromJSON,
  traceToCSV,
  lineSearchTrialsToCSV,
  traceTable,
  type OptimTrace,
  type TraceStep,
  type StepRecord,
  type StopStatus,
} from "./trace.js";
export { treeVdot, globalNorm, treeAllFinite, treeZerosLike, treeScale, treeAddScaled, treeSub, treeSize } from "./treemath.js";
export { disposeDropped } from "./dispose.js";
export * as testFunctions from "./testfunctions.js";
export type { TestFunction, LogisticParams } from "./testfunctions.js";
