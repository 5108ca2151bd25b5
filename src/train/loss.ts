/**
 * The losses `fit` knows by name, and how a model's output is matched to the labels: class indices
 * (int32 [N]) against logits [N, C] or a single logit [N, 1], real targets [N] against [N, 1] outputs.
 */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { cast } from "../ops/elementwise.js";
import * as losses from "../nn/losses.js";

/** A loss `fit` can minimise: model output, labels and optional sample weights -> a scalar tensor (the weighted mean over the batch). */
export type LossFn = (output: Tensor, y: Tensor, opts: { weights?: Tensor }) => Tensor;

/** The built-in losses, by name. */
export type LossName = "softmaxCrossEntropy" | "bceWithLogits" | "mse" | "mae" | "huber";

/** Every built-in loss name. @example gn.train.LOSS_NAMES.includes("mse") // true */
export const LOSS_NAMES: readonly LossName[] = ["softmaxCrossEntropy", "bceWithLogits", "mse", "mae", "huber"];

/** What the labels are. */
export type TaskKind = "classification" | "regression";

/** @internal The task a label tensor implies: int32 class indices -> classification, floats -> regression. */
export function taskOf(y: Tensor): TaskKind {
  return y.dtype === "int32" ? "classification" : "regression";
}

/** Real targets [N] against outputs [N, 1]: drop the unit axis so the shapes agree. */
function squeezeUnit(op: string, output: Tensor, y: Tensor): Tensor {
  if (output.ndim === 2 && output.shape[1] === 1 && y.ndim === 1) return output.reshape([output.shape[0]]);
  if (output.ndim !== y.ndim || output.shape.some((d, i) => d !== y.shape[i]))
    throw new ShapeError(`fit: the ${op} loss needs outputs shaped like the targets, got outputs ${fmtShape(output.shape)} and targets ${fmtShape(y.shape)}; give the model one output per target`);
  return output;
}

const BUILTIN: Record<LossName, LossFn> = {
  softmaxCrossEntropy: (out, y, o) => {
    if (out.ndim !== 2 || out.shape[1] < 2)
      throw new ShapeError(`fit: softmaxCrossEntropy needs logits [N, C] with C >= 2 classes, got outputs ${fmtShape(out.shape)} (use bceWithLogits for one output)`);
    return losses.softmaxCrossEntropy(out, y, { weights: o.weights });
  },
  bceWithLogits: (out, y, o) => {
    const t = y.dtype === "int32" ? cast(y, out.dtype) : y;
    return losses.bceWithLogits(squeezeUnit("bceWithLogits", out, t), t, { weights: o.weights });
  },
  mse: (out, y, o) => losses.mse(squeezeUnit("mse", out, y), y, { weights: o.weights }),
  mae: (out, y, o) => losses.mae(squeezeUnit("mae", out, y), y, { weights: o.weights }),
  huber: (out, y, o) => losses.huber(squeezeUnit("huber", out, y), y, { weights: o.weights }),
};

/**
 * The default loss for a task and a model's number of outputs: softmax cross-entropy for class
 * indices and C >= 2 outputs, binary cross-entropy on logits for one output, mean squared error for
 * real targets.
 * @example gn.train.defaultLoss("classification", 3) // "softmaxCrossEntropy"
 */
export function defaultLoss(task: TaskKind, outputs: number): LossName {
  if (task === "regression") return "mse";
  return outputs === 1 ? "bceWithLogits" : "softmaxCrossEntropy";
}

/**
 * A loss function from a name (or the function itself). Throws a ValueError for an unknown name,
 * listing the known ones.
 * @example const loss = gn.train.resolveLoss("mse"); loss(pred, y, {});
 */
export function resolveLoss(loss: LossName | LossFn): LossFn {
  if (typeof loss === "function") return loss;
  if (typeof loss !== "string" || !Object.prototype.hasOwnProperty.call(BUILTIN, loss))
    throw new ValueError(`fit: unknown loss ${JSON.stringify(loss)}; the built-in losses are ${LOSS_NAMES.join(", ")} (or pass a function (output, y, { weights }) => scalar)`);
  return BUILTIN[loss];
}
