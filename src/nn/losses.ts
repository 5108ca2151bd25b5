/**
 * Loss functions, built from differentiable `gn` ops (so every order of derivative works, with
 * respect to predictions, targets where they are float, and sample weights).
 *
 * Shared conventions:
 * - Axis 0 is the batch axis. The per-sample loss l_i is the mean over the other axes (a 1-D input
 *   gives one loss per element).
 * - `reduction`: "mean" (default) = sum_i s_i l_i / sum_i s_i n_i; "sum" = sum_i s_i l_i; "none" =
 *   the vector s_i l_i (the per-sample losses). s_i are the optional sample `weights` (default 1);
 *   n_i is 1 except in softmaxCrossEntropy with class indices and class weights (see there).
 *   A weighted mean, not sum(s l) / N, so that weights only express relative importance. The mean
 *   over an empty batch (or zero total weight) is NaN.
 * - NaN or infinity in predictions or targets propagate to the loss of their sample and to the mean.
 */
import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError, fmtShape } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { tensor } from "../ops/creation.js";
import { abs, add, cast, div, lessEqual, mul, neg, relu, softplus, square, sub, where } from "../ops/elementwise.js";
import { take, takeAlongAxis } from "../ops/indexing.js";
import { logSoftmax, mean, sum } from "../ops/reduce.js";
import { expandDims, reshape } from "../ops/shape.js";
import { temporary } from "../engine/scope.js";

/** How a loss combines its per-sample values. */
export type Reduction = "mean" | "sum" | "none";

/** Options every loss accepts. */
export interface LossOptions {
  /** "mean" (default, the weighted mean), "sum", or "none" (the per-sample losses, weighted). */
  reduction?: Reduction;
  /** Per-sample weights s_i, shape [N] (float; differentiable, e.g. for influence or fairness analyses). */
  weights?: Tensor | readonly number[];
}

function asFloatLike(op: string, name: string, x: Tensor | readonly number[], like: Tensor): Tensor {
  const t = x instanceof Tensor ? x : tensor(x as number[], { dtype: like.dtype });
  if (t.dtype === like.dtype) return t;
  if (isFloat(t.dtype) && isFloat(like.dtype)) return t;
  return cast(t, like.dtype);
}

function checkPred(op: string, pred: Tensor): void {
  if (!(pred instanceof Tensor)) throw new ValueError(`losses.${op}: predictions must be a tensor`);
  if (!isFloat(pred.dtype)) throw new DTypeError(`losses.${op}: predictions have dtype ${pred.dtype}; they must be float32 or float64 (cast with .astype("float32"))`);
  if (pred.ndim === 0) throw new ShapeError(`losses.${op}: predictions must have a batch axis, got a 0-d tensor; reshape it to [1]`);
}

function sameShape(op: string, pred: Tensor, target: Tensor, what = "targets"): void {
  if (pred.ndim !== target.ndim || pred.shape.some((d, i) => d !== target.shape[i])) {
    const hint = pred.ndim === target.ndim + 1 && pred.shape[pred.ndim - 1] === 1 ? ` (reshape the predictions to ${fmtShape(target.shape)}, or the ${what} to ${fmtShape(pred.shape)})` : "";
    throw new ShapeError(`losses.${op}: predictions have shape ${fmtShape(pred.shape)} but ${what} have shape ${fmtShape(target.shape)}; they must be equal${hint}`);
  }
}

/**
 * The mean over every axis but the batch axis, [N, ...] -> [N]: how the losses here turn elementwise
 * losses into per-sample ones (use it with `reduceLoss` to write a new loss with the same conventions).
 * @example gn.losses.perSampleMean(gn.tensor([[1, 3], [2, 2]])) // [2, 2]
 */
export function perSampleMean(x: Tensor): Tensor {
  if (x.ndim <= 1) return x;
  const axes = Array.from({ length: x.ndim - 1 }, (_, i) => i + 1);
  return mean(x, axes);
}

/**
 * Applies sample weights and the reduction to per-sample losses l (shape [N]), as every loss here does:
 * "none" -> s l, "sum" -> sum(s l), "mean" -> sum(s l) / sum(s n), with n = `norm` (default 1).
 * `op` names the loss in error messages.
 * @example gn.losses.reduceLoss("myLoss", gn.tensor([1, 3]), { weights: [1, 3] }) // (1 + 9) / 4 = 2.5
 */
export function reduceLoss(op: string, l: Tensor, opts: LossOptions, norm?: Tensor): Tensor {
  const reduction = opts.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none")
    throw new ValueError(`losses.${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(reduction)}`);
  let s: Tensor | undefined;
  if (opts.weights !== undefined) {
    s = asFloatLike(op, "weights", opts.weights, l);
    if (s.ndim !== 1 || s.shape[0] !== l.shape[0])
      throw new ShapeError(`losses.${op}: weights have shape ${fmtShape(s.shape)}; they must be one per sample, shape [${l.shape[0]}]`);
  }
  const weighted = s ? mul(l, s) : l;
  if (reduction === "none") return weighted;
  const total = sum(weighted);
  if (reduction === "sum") return total;
  if (!s && !norm) return div(total, l.shape[0]);
  const n = norm ? (s ? mul(norm, s) : norm) : s!;
  return div(total, sum(n));
}

/**
 * Mean squared error: l_i = mean over features of (pred - target)^2.
 * @example gn.losses.mse(gn.tensor([1, 2]), gn.tensor([1, 4])) // (0 + 4) / 2 = 2
 */
export function mse(pred: Tensor, target: Tensor | readonly number[], opts: LossOptions = {}): Tensor {
  checkPred("mse", pred);
  const t = asFloatLike("mse", "targets", target, pred);
  sameShape("mse", pred, t);
  return reduceLoss("mse", perSampleMean(square(sub(pred, t))), opts);
}

/**
 * Mean absolute error: l_i = mean over features of |pred - target| (derivative 0 where they are equal).
 * @example gn.losses.mae(gn.tensor([1, 2]), gn.tensor([0, 4])) // (1 + 2) / 2 = 1.5
 */
export function mae(pred: Tensor, target: Tensor | readonly number[], opts: LossOptions = {}): Tensor {
  checkPred("mae", pred);
  const t = asFloatLike("mae", "targets", target, pred);
  sameShape("mae", pred, t);
  return reduceLoss("mae", perSampleMean(abs(sub(pred, t))), opts);
}

/**
 * Huber loss with threshold `delta` (default 1), as PyTorch's HuberLoss: per element, with d = pred - target,
 * 0.5 d^2 where |d| <= delta and delta (|d| - 0.5 delta) elsewhere; l_i is the mean over features.
 * Quadratic near zero, linear in the tails (robust to outliers); its derivative is continuous.
 * @example gn.losses.huber(gn.tensor([0, 3]), gn.tensor([0.5, 0])) // (0.125 + 2.5) / 2
 */
export function huber(pred: Tensor, target: Tensor | readonly number[], opts: LossOptions & { delta?: number } = {}): Tensor {
  checkPred("huber", pred);
  const delta = opts.delta ?? 1;
  if (!(delta > 0) || !Number.isFinite(delta)) throw new ValueError(`losses.huber: delta must be a positive finite number, got ${delta}`);
  const t = asFloatLike("huber", "targets", target, pred);
  sameShape("huber", pred, t);
  const d = sub(pred, t);
  const a = abs(d);
  const l = where(lessEqual(a, delta), mul(square(d), 0.5), mul(sub(a, 0.5 * delta), delta));
  return reduceLoss("huber", perSampleMean(l), opts);
}

/**
 * Binary cross-entropy on logits z with targets t in [0, 1] (0/1 labels or soft labels), as PyTorch's
 * BCEWithLogitsLoss: per element -[p t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))], computed as
 * p t softplus(-z) + (1 - t) softplus(z), which is finite for any finite z (no log of 0).
 * `posWeight` p (default 1) weighs the positive term (p > 1 raises recall). l_i is the mean over features.
 * @example gn.losses.bceWithLogits(gn.tensor([0]), gn.tensor([1])) // log 2
 */
export function bceWithLogits(logits: Tensor, targets: Tensor | readonly number[], opts: LossOptions & { posWeight?: number } = {}): Tensor {
  checkPred("bceWithLogits", logits);
  const t = asFloatLike("bceWithLogits", "targets", targets, logits);
  sameShape("bceWithLogits", logits, t);
  const p = opts.posWeight ?? 1;
  if (!(p >= 0) || !Number.isFinite(p)) throw new ValueError(`losses.bceWithLogits: posWeight must be a finite number >= 0, got ${p}`);
  const pos = mul(t, softplus(neg(logits)));
  const l = add(p === 1 ? pos : mul(pos, p), mul(sub(1, t), softplus(logits)));
  return reduceLoss("bceWithLogits", perSampleMean(l), opts);
}

/** Options of softmaxCrossEntropy. */
export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /** epsilon in [0, 1]: mixes the target with the uniform distribution (default 0). */
  labelSmoothing?: number;
  /** Per-class weights w_c, shape [C] (default 1). */
  classWeights?: Tensor | readonly number[];
}

/**
 * Softmax cross-entropy on logits [N, C], computed through logSoftmax (stable for large logits), with
 * label smoothing epsilon and class weights w as in PyTorch's CrossEntropyLoss. With log p = logSoftmax(z):
 *
 * - class indices y (int32 [N], or a number array):
 *   l_i = (1 - eps) w_{y_i} (-log p_{i,y_i}) + (eps / C) sum_c w_c (-log p_{i,c}), and n_i = w_{y_i},
 *   so "mean" is sum_i l_i / sum_i w_{y_i} (PyTorch's weighted mean).
 * - probabilities or one-hot rows t (float [N, C]): with q = (1 - eps) t + eps / C,
 *   l_i = -sum_c w_c q_{i,c} log p_{i,c}, and n_i = 1, so "mean" divides by N (as PyTorch does for
 *   probability targets, even with class weights).
 *
 * Sample weights s_i multiply l_i and n_i (see the module notes). Labels outside [0, C) throw a ValueError.
 * @example
 * const logits = gn.tensor([[2, 0, -1], [0, 1, 0]]);
 * gn.losses.softmaxCrossEntropy(logits, gn.tensor([0, 1], { dtype: "int32" }));
 * gn.losses.softmaxCrossEntropy(logits, [0, 1], { labelSmoothing: 0.1, classWeights: [1, 2, 1] });
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor | readonly number[], opts: SoftmaxCrossEntropyOptions = {}): Tensor {
  const op = "softmaxCrossEntropy";
  checkPred(op, logits);
  if (logits.ndim !== 2) throw new ShapeError(`losses.${op}: logits must have shape [N, C], got ${fmtShape(logits.shape)} (flatten extra axes into N first)`);
  const [n, c] = logits.shape;
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new ValueError(`losses.${op}: labelSmoothing must be in [0, 1], got ${eps}`);
  let w: Tensor | undefined;
  if (opts.classWeights !== undefined) {
    w = asFloatLike(op, "classWeights", opts.classWeights, logits);
    if (w.ndim !== 1 || w.shape[0] !== c) throw new ShapeError(`losses.${op}: classWeights have shape ${fmtShape(w.shape)}; they must be one per class, shape [${c}]`);
  }
  const logp = logSoftmax(logits, 1);
  const y = labels instanceof Tensor ? labels : tensor(labels as number[], { dtype: "int32" });
  const weightedLogp = w ? mul(logp, w) : logp;
  if (y.dtype === "int32") {
    if (y.ndim !== 1 || y.shape[0] !== n)
      throw new ShapeError(`losses.${op}: class-index labels have shape ${fmtShape(y.shape)}; they must be int32 of shape [${n}] (or float probabilities of shape [${n}, ${c}])`);
    checkLabelRange(op, y, c);
    const picked = reshape(pickClass(logp, y), [n]);
    const wy = w ? take(w, y) : undefined;
    let l = neg(wy ? mul(wy, picked) : picked);
    if (eps > 0) l = add(mul(l, 1 - eps), mul(neg(sum(weightedLogp, 1)), eps / c));
    return reduceLoss(op, l, opts, wy);
  }
  if (!isFloat(y.dtype)) throw new DTypeError(`losses.${op}: labels have dtype ${y.dtype}; use int32 class indices or float probabilities`);
  if (y.ndim !== 2 || y.shape[0] !== n || y.shape[1] !== c)
    throw new ShapeError(`losses.${op}: probability targets have shape ${fmtShape(y.shape)}; they must have the logits' shape [${n}, ${c}] (class indices must be int32)`);
  const q = eps > 0 ? add(mul(y, 1 - eps), eps / c) : y;
  const l = neg(sum(mul(q, weightedLogp), 1));
  return reduceLoss(op, l, opts);
}

/**
 * s[i, y_i] as [N, 1]. The labels' [N, 1] view is a temporary: recorded for a running transform to
 * free, or freed here when no tape holds it (a view left to the collector keeps the labels' storage).
 */
function pickClass(s: Tensor, y: Tensor): Tensor {
  const column = temporary(expandDims(y, 1));
  const out = takeAlongAxis(s, column, 1);
  if (out._trace === null && column !== y) column.dispose();
  return out;
}

function checkLabelRange(op: string, y: Tensor, c: number): void {
  const values = y.toTypedArray();
  for (let i = 0; i < values.length; i++)
    if (values[i] < 0 || values[i] >= c) throw new ValueError(`losses.${op}: label ${values[i]} at position ${i} is outside [0, ${c}) for ${c} classes`);
}

/**
 * Binary hinge loss (as in SVMs): per element max(0, 1 - y s) for scores s and labels y in {-1, +1}
 * (labels in {0, 1} are read as {-1, +1}); l_i is the mean over features. At the kink y s = 1 the
 * derivative is taken as 0.
 * @example gn.losses.hinge(gn.tensor([0.5, -2]), gn.tensor([1, -1])) // (0.5 + 0) / 2
 */
export function hinge(scores: Tensor, targets: Tensor | readonly number[], opts: LossOptions = {}): Tensor {
  checkPred("hinge", scores);
  const t = asFloatLike("hinge", "targets", targets, scores);
  sameShape("hinge", scores, t);
  const values = t.toTypedArray();
  let zeroOne = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1 && v !== -1) throw new ValueError(`losses.hinge: targets must be -1/+1 (or 0/1), got ${v} at flat position ${i}`);
    if (v === -1) zeroOne = false;
  }
  const y = zeroOne ? sub(mul(t, 2), 1) : t;
  return reduceLoss("hinge", perSampleMean(relu(sub(1, mul(y, scores)))), opts);
}

/**
 * Multi-class hinge loss as PyTorch's MultiMarginLoss (p = 1): for scores [N, C] and class indices y,
 * l_i = sum over c != y_i of max(0, margin - s_{i,y_i} + s_{i,c}) / C (default margin 1).
 * @example gn.losses.multiclassHinge(gn.tensor([[3, 1, 2.5]]), [0]) // (0 + 0.5) / 3
 */
export function multiclassHinge(scores: Tensor, labels: Tensor | readonly number[], opts: LossOptions & { margin?: number } = {}): Tensor {
  const op = "multiclassHinge";
  checkPred(op, scores);
  if (scores.ndim !== 2) throw new ShapeError(`losses.${op}: scores must have shape [N, C], got ${fmtShape(scores.shape)}`);
  const [n, c] = scores.shape;
  const margin = opts.margin ?? 1;
  if (!(margin > 0) || !Number.isFinite(margin)) throw new ValueError(`losses.${op}: margin must be a positive finite number, got ${margin}`);
  const y = labels instanceof Tensor ? labels : tensor(labels as number[], { dtype: "int32" });
  if (y.dtype !== "int32" || y.ndim !== 1 || y.shape[0] !== n)
    throw new ShapeError(`losses.${op}: labels must be int32 class indices of shape [${n}], got ${y.dtype} ${fmtShape(y.shape)}`);
  checkLabelRange(op, y, c);
  const sy = pickClass(scores, y);
  const margins = relu(add(sub(scores, sy), margin));
  // The true class contributes max(0, margin) to the sum above; take it out rather than masking.
  const l = div(sub(sum(margins, 1), margin), c);
  return reduceLoss(op, l, opts);
}
