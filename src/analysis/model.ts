/**
 * The model interface every audit works with, and the pieces they share: which output to explain,
 * what the model decided, the decision margin and the default attack loss.
 *
 * A model is any function from a batch of inputs x of shape [N, ...features] to its outputs: logits
 * of shape [N, C] for C >= 2 classes, or one score per sample (shape [N] or [N, 1]) for a binary
 * classifier or a regression. Samples must not interact inside the model (no batch statistics in
 * training mode): the audits differentiate the sum over the batch and read each sample's gradient
 * from its own rows.
 */
import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError, fmtShape } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import * as ops from "../ops/index.js";
import { stopGradient } from "../transforms/stopGradient.js";

/**
 * A model under audit: a batch [N, ...features] in, logits [N, C] (or one score per sample, [N] or
 * [N, 1]) out. Wrap a layer with its parameters: `(x) => layer.apply(params, x).y`.
 * @example
 * const w = gn.tensor([[1, -1], [2, 0.5]]);
 * const model: gn.audit.Model = (x) => gn.matmul(x, w); // 2 features -> 2 logits
 */
export type Model = (x: Tensor) => Tensor;

/** What a single-score output holds. */
export type BinaryOutput = "logit" | "probability";

/** Options shared by every audit that reads decisions. */
export interface DecisionOptions {
  /**
   * For models with one score per sample: "logit" (default; class 1 when the score is > 0) or
   * "probability" (class 1 when > 0.5). Ignored for [N, C] logits.
   */
  binaryOutput?: BinaryOutput;
}

/** Which output to explain: one class for all samples, one per sample, or each sample's predicted class. */
export type Target = number | readonly number[] | Int32Array | Tensor | "predicted";

/** Class labels: an int32 tensor of shape [N], or numbers. */
export type Labels = Tensor | readonly number[] | Int32Array;

/** Which per-sample loss an attack ascends: `(output, labels) => per-sample loss [N]`. */
export type LossFn = (output: Tensor, labels: Tensor) => Tensor;

/** @internal Checks the input batch: a float tensor with a batch axis. */
export function checkInput(op: string, x: Tensor): void {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: x must be a Tensor of shape [N, ...features], got ${typeof x}`);
  if (x.ndim < 1) throw new ShapeError(`${op}: x must have a batch axis (shape [N, ...features]), got shape ${fmtShape(x.shape)}; use x.reshape([1, -1]) for one sample`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: x has dtype ${x.dtype}; audits differentiate with respect to the input, so it must be float32 or float64 (use x.astype("float32"))`);
}

/** @internal Runs the model and checks its output shape against the batch. */
export function callModel(op: string, model: Model, x: Tensor): Tensor {
  const out = model(x);
  if (!(out instanceof Tensor)) throw new ValueError(`${op}: the model must return a Tensor, got ${out === null ? "null" : typeof out}`);
  checkOutput(op, out, x.shape[0]);
  return out;
}

/** @internal Checks a model output: [N], [N, 1] or [N, C]. */
export function checkOutput(op: string, out: Tensor, n: number): void {
  if (out.ndim < 1 || out.ndim > 2 || out.shape[0] !== n)
    throw new ShapeError(`${op}: the model returned shape ${fmtShape(out.shape)} for a batch of ${n}; it must return [${n}, C] logits or [${n}] / [${n}, 1] scores`);
  if (!isFloat(out.dtype)) throw new DTypeError(`${op}: the model returned dtype ${out.dtype}; it must return float scores`);
}

/** @internal The number of classes the output stands for (2 for one score per sample). */
export function numClasses(out: Tensor): number {
  return out.ndim === 1 || out.shape[1] === 1 ? 2 : out.shape[1];
}

/** @internal True when the output is one score per sample. */
export function isSingleScore(out: Tensor): boolean {
  return out.ndim === 1 || out.shape[1] === 1;
}

/** @internal Converts labels or a target to an Int32Array of length n. */
export function toIndexArray(op: string, what: string, v: number | readonly number[] | Int32Array | Tensor, n: number): Int32Array {
  let arr: ArrayLike<number>;
  if (typeof v === "number") arr = new Array<number>(n).fill(v);
  else if (v instanceof Tensor) {
    if (v.size !== n) throw new ShapeError(`${op}: ${what} has shape ${fmtShape(v.shape)} but the batch has ${n} samples; give one class index per sample`);
    arr = v.toTypedArray();
  } else arr = v;
  if (arr.length !== n) throw new ShapeError(`${op}: ${what} has ${arr.length} entries but the batch has ${n} samples`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = arr[i];
    if (!Number.isInteger(c) || c < 0) throw new ValueError(`${op}: ${what}[${i}] is ${c}; class indices must be integers >= 0`);
    out[i] = c;
  }
  return out;
}

/** @internal Checks class indices against the number of classes of an output. */
export function checkClasses(op: string, what: string, classes: Int32Array, out: Tensor): void {
  const c = numClasses(out);
  for (let i = 0; i < classes.length; i++)
    if (classes[i] >= c) throw new ValueError(`${op}: ${what}[${i}] is ${classes[i]} but the model has ${c} classes (output shape ${fmtShape(out.shape)})`);
}

/**
 * The decisions a model made: the argmax class for [N, C] logits, or 1/0 against the threshold for
 * one score per sample. A row with a NaN output gets -1 (no decision), which never equals a label.
 * @example
 * gn.audit.predict((x) => x, gn.tensor([[0.2, 0.9], [2, -1]])) // Int32Array [1, 0]
 */
export function predict(model: Model, x: Tensor, opts: DecisionOptions = {}): Int32Array {
  checkInput("audit.predict", x);
  return decisions(callModel("audit.predict", model, stopGradient(x)), opts);
}

/** @internal Decisions from an output (see `predict`). */
export function decisions(out: Tensor, opts: DecisionOptions = {}): Int32Array {
  const n = out.shape[0];
  const v = out.toTypedArray();
  const res = new Int32Array(n);
  if (isSingleScore(out)) {
    const thr = opts.binaryOutput === "probability" ? 0.5 : 0;
    for (let i = 0; i < n; i++) res[i] = Number.isNaN(v[i]) ? -1 : v[i] > thr ? 1 : 0;
    return res;
  }
  const c = out.shape[1];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bad = false;
    for (let j = 0; j < c; j++) {
      const e = v[i * c + j];
      if (Number.isNaN(e)) bad = true;
      if (e > v[i * c + best]) best = j;
    }
    res[i] = bad ? -1 : best;
  }
  return res;
}

/** @internal The single score as a logit: the score itself, or log(p) - log(1 - p) for probabilities. */
export function scoreAsLogit(out: Tensor, opts: DecisionOptions): Tensor {
  const s = out.ndim === 2 ? out.reshape([out.shape[0]]) : out;
  return opts.binaryOutput === "probability" ? ops.sub(ops.log(s), ops.log1p(ops.neg(s))) : s;
}

/**
 * @internal The output each sample's attribution explains, shape [N]: the target class's logit for
 * [N, C] outputs, or the score itself for one score per sample (the target is then ignored).
 */
export function targetScores(op: string, out: Tensor, target: Target | undefined): Tensor {
  const n = out.shape[0];
  if (isSingleScore(out)) return out.ndim === 2 ? out.reshape([n]) : out;
  const idx = target === undefined || target === "predicted" ? decisions(stopGradient(out)).map((c) => Math.max(c, 0)) : toIndexArray(op, "target", target, n);
  checkClasses(op, "target", idx, out);
  const it = ops.tensor(idx, { dtype: "int32", shape: [n, 1] });
  return ops.takeAlongAxis(out, it, 1).reshape([n]);
}

/**
 * @internal The margin of class `cls[i]` over the rest, shape [N], differentiable: logit of the class
 * minus the largest other logit; for one score per sample, the logit signed towards the class. Positive
 * where the model decides for that class.
 */
export function classMargin(out: Tensor, cls: Int32Array, opts: DecisionOptions): Tensor {
  const n = out.shape[0];
  if (isSingleScore(out)) {
    const sign = ops.tensor(Array.from(cls, (c) => (c === 1 ? 1 : -1)), { dtype: out.dtype });
    return ops.mul(scoreAsLogit(out, opts), sign);
  }
  const it = ops.tensor(cls, { dtype: "int32", shape: [n, 1] });
  const own = ops.takeAlongAxis(out, it, 1).reshape([n]);
  const mask = ops.oneHot(ops.tensor(cls, { dtype: "int32" }), out.shape[1]).greater(0);
  const others = ops.where(mask, -Infinity, out).max(1);
  return ops.sub(own, others);
}

/**
 * @internal The default per-sample attack loss: softmax cross-entropy on [N, C] logits; binary
 * cross-entropy on one score per sample (from the logit, or from the probability, clamped away from 0 and 1).
 */
export function defaultLoss(opts: DecisionOptions): LossFn {
  return (out: Tensor, labels: Tensor) => {
    const n = out.shape[0];
    if (isSingleScore(out)) {
      const y = labels.astype(out.dtype);
      const s = out.ndim === 2 ? out.reshape([n]) : out;
      if (opts.binaryOutput === "probability") {
        const p = ops.clip(s, 1e-7, 1 - 1e-7);
        return ops.neg(ops.add(ops.mul(y, ops.log(p)), ops.mul(ops.sub(1, y), ops.log1p(ops.neg(p)))));
      }
      // softplus(s) - y s is the stable form of -y log σ(s) - (1 - y) log(1 - σ(s)).
      return ops.sub(ops.softplus(s), ops.mul(y, s));
    }
    const logp = opts.binaryOutput === "probability" ? ops.log(out) : ops.logSoftmax(out, 1);
    return ops.neg(ops.takeAlongAxis(logp, labels.reshape([n, 1]), 1).reshape([n]));
  };
}

/** @internal Per-sample p-norm over every axis but the first, as a host array. p is 1, 2 or Infinity. */
export function perSampleNorms(t: Tensor, p: number): Float64Array {
  const n = t.shape[0];
  const v = t.toTypedArray();
  const m = n === 0 ? 0 : v.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * m; j < (i + 1) * m; j++) {
      const a = Math.abs(v[j]);
      if (p === Infinity) s = Number.isNaN(a) || Number.isNaN(s) ? NaN : Math.max(s, a);
      else if (p === 1) s += a;
      else s += a * a;
    }
    out[i] = p === 2 ? Math.sqrt(s) : s;
  }
  return out;
}

/** @internal A tensor of per-sample values shaped [N, 1, 1, ...] to broadcast against x. */
export function perSample(values: ArrayLike<number>, like: Tensor): Tensor {
  const shape = [like.shape[0], ...like.shape.slice(1).map(() => 1)];
  return ops.tensor(Float64Array.from(values), { dtype: like.dtype, shape });
}

/** @internal A per-sample tensor (shape x.shape.slice(1)) or number broadcast to x's full shape. */
export function broadcastLike(op: string, what: string, v: number | Tensor | undefined, x: Tensor, fallback = 0): Tensor {
  if (v === undefined || typeof v === "number") return ops.full(x.shape, v ?? fallback, { dtype: x.dtype });
  const shape = v.shape;
  const per = x.shape.slice(1);
  const fits = (shape.length === per.length && shape.every((d, i) => d === per[i])) || (shape.length === x.ndim && shape.every((d, i) => d === x.shape[i] || d === 1));
  if (!fits) throw new ShapeError(`${op}: ${what} has shape ${fmtShape(shape)}; it must have one sample's shape ${fmtShape(per)} or the batch's ${fmtShape(x.shape)}`);
  return ops.broadcastTo(v.astype(x.dtype), x.shape);
}
