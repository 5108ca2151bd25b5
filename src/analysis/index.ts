/**
 * gn.audit: what happens if small changes in the input lead to large changes in the output? Attributions,
 * local robustness measures, adversarial attacks, counterfactuals and adversarial training, for any
 * model given as a function from a batch [N, ...features] to logits [N, C] or scores [N].
 * See docs/audit.md.
 */
export { type Model, type Target, type Labels, type LossFn, type BinaryOutput, type DecisionOptions, predict } from "./model.js";
export {
  saliency,
  gradientTimesInput,
  integratedGradients,
  smoothGrad,
  featureAblation,
  occlusion,
  featureSensitivity,
  aggregateAttributions,
  type AttributionOptions,
  type IntegrationMethod,
  type IntegratedGradientsOptions,
  type IntegratedGradientsResult,
  type SmoothGradOptions,
  type FeatureAblationOptions,
  type OcclusionOptions,
  type FeatureRank,
  type FeatureSensitivityOptions,
} from "./attribution.js";
export {
  inputJacobian,
  jacobianSpectralNorm,
  localLipschitz,
  decisionMargin,
  type SpectralNormOptions,
  type SpectralNormResult,
  type LipschitzOf,
  type LocalLipschitzOptions,
  type LocalLipschitzResult,
  type DecisionMarginResult,
} from "./robustness.js";
export {
  fgsm,
  pgd,
  deepFool,
  robustAccuracyCurve,
  type Bounds,
  type AttackOptions,
  type FgsmOptions,
  type PgdOptions,
  type AttackResult,
  type DeepFoolOptions,
  type DeepFoolResult,
  type RobustAccuracyOptions,
  type RobustAccuracyPoint,
} from "./attacks.js";
export {
  counterfactual,
  type FeatureInfo,
  type CategoricalGroup,
  type FeatureSpace,
  type CounterfactualOptions,
  type CounterfactualResult,
  type FeatureChange,
  type CategoryChange,
} from "./counterfactual.js";
export { featureSpaceFromPreprocessor, type FeatureSpaceOptions } from "./feature-space.js";
export { pgdAugment, adversarialLoss, type AdversarialLossOptions } from "./adversarial.js";
export { heatmapRGBA, type HeatmapOptions, type RGBAImage } from "./heatmap.js";
