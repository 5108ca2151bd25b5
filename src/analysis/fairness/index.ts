/**
 * gn.fairness: fairness metrics by group (with intersections and bootstrap intervals),
 * differentiable surrogates for influence and weight sensitivity, and fairness-constrained
 * training (Lagrangian, proxy-Lagrangian, exponentiated gradient) with the accuracy / fairness
 * front and its plot. See docs/fairness.md.
 *
 * @example
 * const groups = gn.fairness.groupBy({ sex });
 * const report = gn.fairness.groupMetrics({ yTrue: y, scores: probabilities, groups });
 * report.summary.demographicParityDifference;
 */
export { groupBy, groupings, binValues, type Groups, type SensitiveColumns, type SensitiveValue } from "./groups.js";
export {
  groupMetrics,
  SUMMARY_NAMES,
  RATE_NAMES,
  type MetricInput,
  type GroupStats,
  type GroupMetrics,
  type FairnessSummary,
  type RateName,
} from "./metrics.js";
export { bootstrapMetrics, interval, type Interval, type BootstrapOptions, type BootstrapResult } from "./bootstrap.js";
export {
  buildConstraints,
  parseConstraint,
  constraintViolations,
  maxViolation,
  CONSTRAINT_KINDS,
  type ConstraintKind,
  type ConstraintSpec,
  type LinearConstraint,
  type ConstraintSet,
} from "./constraints.js";
export { fairnessQuantity, type FairnessQuantity, type SurrogateMetric, type SurrogateOptions } from "./surrogates.js";
export {
  trainConstrained,
  type LagrangianMethod,
  type ConstrainedOptions,
  type ConstrainedResult,
  type ConstrainedTrace,
  type ConstrainedStep,
  type ConstrainedEvaluation,
} from "./lagrangian.js";
export { exponentiatedGradient, mixtureDecisions, type ExpGradOptions, type ExpGradResult, type ExpGradRound } from "./expgrad.js";
export { fairnessFront, type FairnessFront, type FrontPoint, type FrontOptions, type PointMetrics } from "./front.js";
export { frontSvg, type FrontSvgOptions, type FrontAxis } from "./plot.js";
export { fairnessData, type FairnessData, type FairnessDataOptions, type FairnessSplit } from "./data.js";
export {
  auditModel,
  fairnessAudit,
  formatFairnessAudit,
  influenceAudit,
  formatInfluenceAudit,
  type AuditModel,
  type AuditGrouping,
  type AuditRow,
  type FairnessAuditOptions,
  type FairnessAuditReport,
  type InfluenceAuditOptions,
  type InfluenceAuditReport,
} from "./audit.js";
