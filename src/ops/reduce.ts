/**
 * Reductions over any axes (undefined = all axes; negative axes count from the end), with keepdims.
 * NaN propagates through sum, mean, prod, max and min, as in NumPy.
 */
import { isFloat, toFloat } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";
import { normalizeAxes, normalizeAxis, reducedShape } from "../core/shape.js";
import type { Tensor } from "../core/tensor.js";
import { bind } from "../engine/trace.js";
import { add, cast, div, equal, exp, log, sqrt, square, sub, where } from "./elementwise.js";
import { reshape } from "./shape.js";
import { stopGradient } from "../transforms/stopGradient.js";

/** Axes to reduce: one axis, a list, or undefined/null for all. */
export type AxisArg = number | readonly number[] | null | undefined;

export interface ReduceOptions {
  keepdims?: boolean;
}

function reduce(name: "sum" | "max" | "min" | "prod", x: Tensor, axes: AxisArg, opts: ReduceOptions): Tensor {
  const ax = normalizeAxes(name, axes, x.ndim);
  const input = x.dtype === "bool" ? cast(x, "int32") : x;
  return bind(name, [input], { axes: ax, keepdims: !!opts.keepdims });
}

/** Sum over axes. @example gn.sum(gn.tensor([[1, 2], [3, 4]]), 0) // [4, 6] */
export function sum(x: Tensor, axes?: AxisArg, opts: ReduceOptions = {}): Tensor {
  return reduce("sum", x, axes, opts);
}

/** Product over axes; its derivative is exact at zeros. @example gn.prod(gn.tensor([2, 3])) // 6 */
export function prod(x: Tensor, axes?: AxisArg, opts: ReduceOptions = {}): Tensor {
  return reduce("prod", x, axes, opts);
}

/** Maximum over axes (NaN propagates; ties share the derivative). Throws on an empty axis. @example gn.max(gn.tensor([1, 5, 2])) // 5 */
export function max(x: Tensor, axes?: AxisArg, opts: ReduceOptions = {}): Tensor {
  return reduce("max", x, axes, opts);
}

/** Minimum over axes (NaN propagates; ties share the derivative). @example gn.min(gn.tensor([1, 5, 2])) // 1 */
export function min(x: Tensor, axes?: AxisArg, opts: ReduceOptions = {}): Tensor {
  return reduce("min", x, axes, opts);
}

function countOf(x: Tensor, axes: AxisArg): number {
  const ax = normalizeAxes("mean", axes, x.ndim);
  let n = 1;
  for (const a of ax) n *= x.shape[a];
  return n;
}

/** Mean over axes (floats; the mean over zero elements is NaN). @example gn.mean(gn.tensor([1, 2, 3, 4])) // 2.5 */
export function mean(x: Tensor, axes?: AxisArg, opts: ReduceOptions = {}): Tensor {
  const xf = isFloat(x.dtype) ? x : cast(x, toFloat(x.dtype));
  return div(sum(xf, axes, opts), countOf(x, axes));
}

/**
 * Variance over axes, with `ddof` (delta degrees of freedom, default 0 as in NumPy; 1 for the unbiased estimate).
 * @example gn.var(gn.tensor([1, 2, 3, 4])) // 1.25
 */
export function variance(x: Tensor, axes?: AxisArg, opts: ReduceOptions & { ddof?: number } = {}): Tensor {
  const xf = isFloat(x.dtype) ? x : cast(x, toFloat(x.dtype));
  const n = countOf(x, axes);
  const ddof = opts.ddof ?? 0;
  const m = mean(xf, axes, { keepdims: true });
  return div(sum(square(sub(xf, m)), axes, opts), n - ddof);
}

/** Standard deviation: sqrt(var). Its derivative is infinite where all values are equal. @example gn.std(gn.tensor([1, 3])) // 1 */
export function std(x: Tensor, axes?: AxisArg, opts: ReduceOptions & { ddof?: number } = {}): Tensor {
  return sqrt(variance(x, axes, opts));
}

/**
 * log(sum(exp(x))) over axes, computed stably by shifting by the maximum. All -Infinity gives -Infinity;
 * a +Infinity gives +Infinity. Its derivative is softmax.
 * @example gn.logsumexp(gn.tensor([0, 0])) // 0.693...
 */
export function logsumexp(x: Tensor, axes?: AxisArg, opts: ReduceOptions = {}): Tensor {
  const ax = normalizeAxes("logsumexp", axes, x.ndim);
  const xf = isFloat(x.dtype) ? x : cast(x, toFloat(x.dtype));
  // The shift is a constant to every transform; a non-finite max (all -inf, or +inf) is replaced by 0
  // so that x - shift never computes inf - inf.
  const m = stopGradient(max(xf, ax, { keepdims: true }));
  const shift = where(equal(sub(m, m), 0), m, 0);
  const s = add(log(sum(exp(sub(xf, shift)), ax, { keepdims: true })), shift);
  return opts.keepdims ? s : reshape(s, reducedShape(x.shape, ax, false));
}

/** Index of the maximum along `axis` (flattened when undefined); ties give the first; NaN counts as the maximum. int32, no derivative. @example gn.argmax(gn.tensor([1, 5, 2])) // 1 */
export function argmax(x: Tensor, axis?: number, opts: ReduceOptions = {}): Tensor {
  return argReduce("argmax", x, axis, opts);
}

/** Index of the minimum along `axis` (flattened when undefined); ties give the first; NaN counts as the minimum. int32, no derivative. */
export function argmin(x: Tensor, axis?: number, opts: ReduceOptions = {}): Tensor {
  return argReduce("argmin", x, axis, opts);
}

function argReduce(name: "argmax" | "argmin", x: Tensor, axis: number | undefined, opts: ReduceOptions): Tensor {
  if (axis === undefined) {
    if (x.size === 0) throw new ValueError(`${name}: the tensor is empty`);
    return bind(name, [reshape(x, [x.size])], { axis: 0, keepdims: false });
  }
  return bind(name, [x], { axis: normalizeAxis(name, axis, x.ndim), keepdims: !!opts.keepdims });
}

/** Running sum along `axis` (default: the last). @example gn.cumsum(gn.tensor([1, 2, 3])) // [1, 3, 6] */
export function cumsum(x: Tensor, axis = -1, opts: { reverse?: boolean } = {}): Tensor {
  const input = x.dtype === "bool" ? cast(x, "int32") : x;
  return bind("cumsum", [input], { axis: normalizeAxis("cumsum", axis, x.ndim), reverse: !!opts.reverse });
}

/** softmax along `axis` (default: the last), stable for large inputs. @example gn.softmax(gn.tensor([0, 0])) // [0.5, 0.5] */
export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}

/**
 * log(softmax(x)) along `axis`, x - logsumexp(x), computed stably in one primitive. NaN in a line
 * gives NaN for the line; a line of all -Infinity gives NaN.
 * @example gn.logSoftmax(gn.tensor([0, 0])) // [-0.693, -0.693]
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const xf = isFloat(x.dtype) ? x : cast(x, toFloat(x.dtype));
  return bind("logSoftmax", [xf], { axis: normalizeAxis("logSoftmax", axis, x.ndim) });
}

