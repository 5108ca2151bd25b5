/**
 * gn.influence: which training rows made the model what it is. Influence functions through the
 * trained optimum (exact, conjugate-gradient and LiSSA inverse-Hessian-vector products), TracIn
 * from training checkpoints, self-influence for label noise, aggregation by group, and the
 * sensitivity of any metric to the sample weights with the reweighting it suggests.
 * See docs/fairness.md.
 *
 * @example
 * const model = gn.influence.logisticRegression(x.shape[1]);
 * const problem = gn.influence.trainingProblem(model, { x, y }, { l2: 1e-3 });
 * const fit = gn.influence.fitNewton(problem);
 * const inf = gn.influence.influence(problem, fit.theta, gn.influence.meanLoss(model, test));
 */
export { type BinaryClassifier, logisticRegression, classifierFromLayer } from "./model.js";
export { TrainingProblem, trainingProblem, bce, type BinaryData, type ProblemOptions, type Rows } from "./problem.js";
export { fitNewton, solveSpd, type FitOptions, type FitResult } from "./fit.js";
export { inverseHvp, conjugateGradient, largestEigenvalue, type InverseHvpMethod, type InverseHvpOptions, type InverseHvpResult, type LissaOptions } from "./ihvp.js";
export { influence, selfInfluence, topRows, type Quantity, type InfluenceResult, type SelfInfluenceOptions } from "./influence.js";
export { meanLoss, prediction } from "./quantities.js";
export { tracIn, tracInSelf, type Checkpoint, type TracInResult } from "./tracin.js";
export { aggregateByGroup, type GroupInfluence } from "./aggregate.js";
export {
  weightSensitivity,
  suggestReweighting,
  verifyReweighting,
  type WeightSensitivity,
  type ReweightingOptions,
  type Reweighting,
  type ReweightingCheck,
} from "./weights.js";
