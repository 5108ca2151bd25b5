/**
 * Quantities of the parameters that influence is measured on: a (test) loss and a prediction.
 * Fairness surrogates are in gn.fairness (`fairnessQuantity`).
 */
import { ShapeError, fmtShape } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import type { Quantity } from "./influence.js";
import type { BinaryClassifier } from "./model.js";
import { type BinaryData, bce, toVector } from "./problem.js";

/**
 * θ ↦ the mean binary cross-entropy of the model on a data set (e.g. the test set).
 * @example
 * const testLoss = gn.influence.meanLoss(model, { x: xTest, y: yTest });
 * testLoss(theta).item();
 */
export function meanLoss(model: BinaryClassifier, data: BinaryData): Quantity {
  const x = data.x.dtype === "float64" ? data.x : ops.cast(data.x, "float64");
  const y = toVector("influence.meanLoss", "y", data.y, x.shape[0]);
  return (theta: Tensor) => ops.mean(bce(model.logits(theta, x), y));
}

/**
 * θ ↦ the model's logit for one input (a row [features] or a batch of one [1, features]); with
 * `probability: true`, sigmoid of it.
 * @example
 * const pred = gn.influence.prediction(model, xTest.slice([0], [1]));
 * const inf = gn.influence.influence(problem, theta, pred); // which rows pushed this prediction up
 */
export function prediction(model: BinaryClassifier, x: Tensor, opts: { probability?: boolean } = {}): Quantity {
  const row = x.dtype === "float64" ? x : ops.cast(x, "float64");
  const batch = row.ndim >= 2 ? row : ops.expandDims(row, 0);
  if (batch.shape[0] !== 1) throw new ShapeError(`influence.prediction: x must be one input (a row, or a batch of one), got shape ${fmtShape(x.shape)}`);
  return (theta: Tensor) => {
    const z = ops.reshape(model.logits(theta, batch), []);
    return opts.probability ? ops.sigmoid(z) : z;
  };
}
