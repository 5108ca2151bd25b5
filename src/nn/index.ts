/**
 * Neural-network building blocks (`gn.nn`): layers as pure functions over explicit parameter and state
 * trees, initialisers, JSON specs, and summaries. Losses are in `gn.losses`, metrics in `gn.metrics`.
 *
 * @example
 * const model = gn.nn.sequential([gn.nn.linear(4, 16), gn.nn.relu(), gn.nn.linear(16, 3)]);
 * const { params, state } = model.init(gn.random.key(0), [4]);
 * const loss = (p) => gn.losses.softmaxCrossEntropy(model.apply(p, x, { state }).y, labels);
 * const grads = gn.grad(loss)(params);
 */
export type { Layer, ApplyContext, ApplyResult, Initialized } from "./layer.js";
export * from "./init.js";
export { linear, type LinearSpec, type LinearOptions } from "./linear.js";
export { activation, identity, relu, leakyRelu, elu, gelu, tanh, sigmoid, softplus, silu, softmax, logSoftmax, type ActivationSpec, type ActivationType } from "./activation.js";
export { sequential, type SequentialSpec } from "./sequential.js";
export { conv2d, maxPool2d, avgPool2d, globalAvgPool2d, type Conv2dSpec, type Conv2dLayerOptions, type MaxPool2dSpec, type AvgPool2dSpec, type GlobalAvgPool2dSpec } from "./conv.js";
export { batchNorm, layerNorm, type BatchNormSpec, type BatchNormOptions, type LayerNormSpec } from "./norm.js";
export { dropout, type DropoutSpec } from "./dropout.js";
export { embedding, type EmbeddingSpec } from "./embedding.js";
export { flatten, reshape, type FlattenSpec, type ReshapeSpec } from "./reshape.js";
export { residual, type ResidualSpec } from "./residual.js";
export { fromSpec, type LayerSpec, type LayerType } from "./spec.js";
export { countParams, summary, summaryRows, type SummaryRow } from "./summary.js";
export { parseModel, logreg, mlp, cnn, MODEL_FAMILIES, type ZooOptions } from "./zoo.js";
