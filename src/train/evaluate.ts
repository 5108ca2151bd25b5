/**
 * Predictions and metrics of a trained model, in evaluation mode (BatchNorm uses its running
 * statistics, Dropout keeps everything), batch by batch so large inputs fit in memory.
 */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import type { Tree } from "../core/tree.js";
import type { Layer } from "../nn/layer.js";
import * as metrics from "../nn/metrics.js";
import { sigmoid } from "../ops/elementwise.js";
import { argmax, softmax } from "../ops/reduce.js";
import { concat } from "../ops/shape.js";
import { type LossFn, type LossName, type TaskKind, defaultLoss, resolveLoss, taskOf } from "./loss.js";

/** Numbers that describe how well a model does on some data: the loss, and accuracy (classification) or RMSE, MAE and R^2 (regression). */
export interface Metrics {
  loss: number;
  accuracy?: number;
  rmse?: number;
  mae?: number;
  r2?: number;
}

/** Options of `predict`. */
export interface PredictOptions {
  /** The model's state (BatchNorm statistics); default {}. */
  state?: Tree;
  /** Rows per forward pass (default 512). */
  batchSize?: number;
}

/**
 * The model's outputs on x (evaluation mode), computed in batches and joined along the batch axis.
 * @example const logits = gn.train.predict(model, params, data.test.x);
 */
export function predict(model: Layer, params: Tree, x: Tensor, opts: PredictOptions = {}): Tensor {
  const bs = opts.batchSize ?? 512;
  if (!Number.isInteger(bs) || bs < 1) throw new ValueError(`predict: batchSize must be a positive integer, got ${bs}`);
  if (x.ndim === 0) throw new ShapeError(`predict: x must have a batch axis, got a 0-d tensor`);
  const n = x.shape[0];
  if (n <= bs) return model.apply(params, x, { state: opts.state ?? {}, training: false }).y;
  const parts: Tensor[] = [];
  for (let start = 0; start < n; start += bs) {
    const xb = x.slice([start], [Math.min(start + bs, n)]);
    parts.push(model.apply(params, xb, { state: opts.state ?? {}, training: false }).y);
  }
  return concat(parts, 0);
}

/**
 * Class probabilities from a classifier's outputs: softmax of logits [N, C], or [1 - p, p] with
 * p = sigmoid(logit) for a single output [N, 1] or [N]. Throws a ShapeError for other shapes.
 * @example gn.train.probabilities(gn.tensor([[0, 0]])) // [[0.5, 0.5]]
 */
export function probabilities(output: Tensor): Tensor {
  if (output.ndim === 2 && output.shape[1] >= 2) return softmax(output, 1);
  if ((output.ndim === 2 && output.shape[1] === 1) || output.ndim === 1) {
    const p = sigmoid(output.reshape([output.shape[0], 1]));
    return concat([p.neg().add(1), p], 1);
  }
  throw new ShapeError(`probabilities: expected logits [N, C] or a single logit [N, 1], got ${fmtShape(output.shape)}`);
}

/**
 * Predicted class indices (int32 [N]) from a classifier's outputs: the argmax of logits [N, C], or
 * logit > 0 for a single output. A NaN logit row predicts class 0.
 * @example gn.train.predictedClasses(gn.tensor([[0, 2], [1, -1]])) // [1, 0]
 */
export function predictedClasses(output: Tensor): Tensor {
  if (output.ndim === 2 && output.shape[1] >= 2) return argmax(output, 1);
  if ((output.ndim === 2 && output.shape[1] === 1) || output.ndim === 1) return output.reshape([output.shape[0]]).greater(0).astype("int32");
  throw new ShapeError(`predictedClasses: expected logits [N, C] or a single logit [N, 1], got ${fmtShape(output.shape)}`);
}

/** @internal The metrics of outputs against labels, the loss given. */
export function metricsOf(task: TaskKind, output: Tensor, y: Tensor, loss: LossFn, weights?: Tensor): Metrics {
  const m: Metrics = { loss: loss(output, y, { weights }).item() };
  const sampleWeight = weights;
  if (task === "classification") m.accuracy = metrics.accuracy(y, predictedClasses(output), { sampleWeight });
  else {
    const pred = output.ndim === 2 && output.shape[1] === 1 && y.ndim === 1 ? output.reshape([output.shape[0]]) : output;
    m.rmse = metrics.rmse(y, pred, { sampleWeight });
    m.mae = metrics.mae(y, pred, { sampleWeight });
    m.r2 = metrics.r2(y, pred, { sampleWeight });
  }
  return m;
}

/** Options of `evaluate`. */
export interface EvaluateOptions extends PredictOptions {
  /** The loss (default: the one `fit` picks for the labels and the model's outputs). */
  loss?: LossName | LossFn;
  /** Sample weights [N] for the loss and the metrics. */
  weights?: Tensor;
}

/**
 * The loss and metrics of a model on labelled data (evaluation mode): accuracy for class labels
 * (int32), RMSE, MAE and R^2 for real targets. NaN outputs give a NaN loss and count as wrong.
 * @example const m = gn.train.evaluate(model, result.params, data.test); // { loss, accuracy }
 */
export function evaluate(model: Layer, params: Tree, data: { x: Tensor; y: Tensor; weights?: Tensor }, opts: EvaluateOptions = {}): Metrics {
  const out = predict(model, params, data.x, opts);
  const task = taskOf(data.y);
  const loss = resolveLoss(opts.loss ?? defaultLoss(task, out.ndim === 2 ? out.shape[1] : 1));
  return metricsOf(task, out, data.y, loss, opts.weights ?? data.weights);
}
