/** Reductions over any set of axes, and cumulative sums. */
import type { Aval } from "../../backends/backend.js";
import { isFloat } from "../../core/dtype.js";
import { reducedShape, normalizeAxes } from "../../core/shape.js";
import type { Tensor } from "../../core/tensor.js";
import type { DifferentiablePrimitive, NonDifferentiablePrimitive, Sample } from "../../engine/primitive.js";
import * as o from "../index.js";
import { requireDType, requireFloat } from "./util.js";
import { ValueError } from "../../core/errors.js";

/** Axes are normalised (sorted, non-negative) by the public op before binding. */
export interface ReduceParams {
  axes: number[];
  keepdims: boolean;
}

function reduceInfer(name: string, floatOnly: boolean) {
  return ([a]: Aval[], { axes, keepdims }: ReduceParams): Aval => {
    normalizeAxes(name, axes, a.shape.length);
    if (floatOnly) requireFloat(name, a);
    else if (a.dtype === "bool") requireDType(name, a, "int32", 0, "the input");
    return { shape: reducedShape(a.shape, axes, keepdims), dtype: a.dtype };
  };
}

/**
 * Gives a reduced tensor back its reduced axes as size 1, so it broadcasts against the input. When
 * the reduced axes are the leading ones (a full reduction, say), broadcasting already prepends them:
 * y is returned as it is, which saves a reshape per derivative.
 */
export function keepAxes(y: Tensor, inShape: readonly number[], { axes, keepdims }: ReduceParams): Tensor {
  if (keepdims) return y;
  let leading = true;
  for (let i = 0; i < axes.length && leading; i++) leading = axes[i] === i;
  return leading ? y : o.reshape(y, reducedShape(inShape, axes, true));
}

function reduceSamples(extra: Sample<ReduceParams>[] = [], range?: [number, number]): [Sample<ReduceParams>, ...Sample<ReduceParams>[]] {
  return [
    { label: "all axes", args: [{ shape: [2, 3], range }], params: { axes: [0, 1], keepdims: false } },
    { label: "axis 1", args: [{ shape: [2, 3, 2], range }], params: { axes: [1], keepdims: false } },
    { label: "axes 0,2 keepdims", args: [{ shape: [2, 3, 2], range }], params: { axes: [0, 2], keepdims: true } },
    { label: "no axes", args: [{ shape: [3], range }], params: { axes: [], keepdims: false } },
    ...extra,
  ];
}

export const sum: DifferentiablePrimitive<ReduceParams> = {
  name: "sum",
  differentiable: true,
  infer: reduceInfer("sum", false),
  jvp: (_x, [t], p) => o.sumPrim(t!, p),
  vjp: (g, [x], p) => [o.broadcastTo(keepAxes(g, x.shape, p), x.shape)],
  samples: reduceSamples([{ label: "int32", args: [{ shape: [2, 3], dtype: "int32", range: [-5, 5] }], params: { axes: [1], keepdims: false }, valueOnly: true }]),
};

/**
 * The derivative of max/min flows to the elements equal to the result; ties share it equally
 * (so the derivative of max([1, 1]) is [0.5, 0.5], as in JAX).
 */
function argSelectWeights(x: Tensor, y: Tensor, p: ReduceParams): Tensor {
  const mask = o.cast(o.equal(x, keepAxes(y, x.shape, p)), x.dtype);
  return o.div(mask, o.sumPrim(mask, { axes: p.axes, keepdims: true }));
}
function extremum(name: "max" | "min"): DifferentiablePrimitive<ReduceParams> {
  return {
    name,
    differentiable: true,
    infer: (avals, p) => {
      const out = reduceInfer(name, false)(avals, p);
      if (avals[0].shape.length > 0 && p.axes.some((a) => avals[0].shape[a] === 0))
        throw new ValueError(`${name}: cannot reduce over an empty axis (shape [${avals[0].shape.join(", ")}], axes [${p.axes.join(", ")}])`);
      return out;
    },
    jvp: ([x], [t], p, y) => o.sumPrim(o.mul(t!, argSelectWeights(x, y, p)), p),
    vjp: (g, [x], p, y) => [o.mul(keepAxes(g, x.shape, p), argSelectWeights(x, y, p))],
    samples: reduceSamples([
      { label: "ties", args: [{ shape: [2, 3], values: [1, 3, 3, -1, -1, -1] }], params: { axes: [1], keepdims: false }, valueOnly: true },
      { label: "NaN propagates", args: [{ shape: [3], values: [1, NaN, 2] }], params: { axes: [0], keepdims: false }, valueOnly: true },
    ]),
  };
}
export const max = extremum("max");
export const min = extremum("min");

/**
 * d prod / d x_i is the product of the other elements. Computed without dividing by x_i, so zeros are
 * exact: with one zero in a slice only that element gets a nonzero derivative; with two or more, all
 * are zero. (Second derivatives at inputs with zeros are exact for the element that is zero.)
 */
function prodGrad(x: Tensor, y: Tensor, p: ReduceParams): Tensor {
  const isZero = o.equal(x, 0);
  const zeros = o.sumPrim(o.cast(isZero, x.dtype), { axes: p.axes, keepdims: true });
  const safe = o.where(isZero, 1, x);
  const prodNonZero = o.prodPrim(safe, { axes: p.axes, keepdims: true });
  const yk = keepAxes(y, x.shape, p);
  const noZero = o.div(yk, safe);
  const oneZero = o.where(o.equal(zeros, 1), prodNonZero, 0);
  return o.where(isZero, o.broadcastTo(oneZero, x.shape), o.where(o.equal(zeros, 0), noZero, 0));
}
export const prod: DifferentiablePrimitive<ReduceParams> = {
  name: "prod",
  differentiable: true,
  infer: reduceInfer("prod", false),
  jvp: ([x], [t], p, y) => o.sumPrim(o.mul(t!, prodGrad(x, y, p)), p),
  vjp: (g, [x], p, y) => [o.mul(keepAxes(g, x.shape, p), prodGrad(x, y, p))],
  samples: reduceSamples([{ label: "with a zero", args: [{ shape: [2, 3], values: [1, 0, 3, 0, 0, 2] }], params: { axes: [1], keepdims: false }, valueOnly: true }], [0.5, 1.5]),
};

export interface ArgReduceParams {
  axis: number;
  keepdims: boolean;
}
function argReduce(name: "argmax" | "argmin"): NonDifferentiablePrimitive<ArgReduceParams> {
  return {
    name,
    differentiable: false,
    reason: "its output is an int32 index",
    infer: ([a], { axis, keepdims }) => {
      if (a.shape[axis] === 0) throw new ValueError(`${name}: axis ${axis} is empty (shape [${a.shape.join(", ")}])`);
      return { shape: reducedShape(a.shape, [axis], keepdims), dtype: "int32" };
    },
    samples: [
      { args: [{ shape: [3, 4] }], params: { axis: 1, keepdims: false } },
      { args: [{ shape: [3, 4] }], params: { axis: 0, keepdims: true } },
      { label: "ties pick the first", args: [{ shape: [4], values: [1, 3, 3, -1] }], params: { axis: 0, keepdims: false } },
      { label: "NaN wins", args: [{ shape: [3], values: [1, NaN, 2] }], params: { axis: 0, keepdims: false } },
    ],
  };
}
export const argmax = argReduce("argmax");
export const argmin = argReduce("argmin");

export interface LogSoftmaxParams {
  /** The axis the softmax normalises over (non-negative). */
  axis: number;
}
/**
 * log(softmax(x)) along one axis, y = x - logsumexp(x), as one primitive: the composite took a dozen
 * ops (and as many tape entries) per call, and softmax cross-entropy, the usual classification loss,
 * runs it every step. The kernels shift by the line's maximum (0 when the maximum is not finite), so
 * large inputs do not overflow; NaN in a line gives NaN for the whole line, +Infinity gives -Infinity
 * for the finite entries and NaN for itself, and a line of all -Infinity gives NaN, as the composite did.
 * Derivatives read softmax off the output: exp(y).
 */
export const logSoftmax: DifferentiablePrimitive<LogSoftmaxParams> = {
  name: "logSoftmax",
  differentiable: true,
  infer: ([a], { axis }) => {
    requireFloat("logSoftmax", a);
    if (!Number.isInteger(axis) || axis < 0 || axis >= a.shape.length) throw new ValueError(`logSoftmax: axis ${axis} out of range for shape [${a.shape.join(", ")}]`);
    return { shape: a.shape, dtype: a.dtype };
  },
  jvp: (_x, [t], { axis }, y) => o.sub(t!, o.sumPrim(o.mul(o.exp(y), t!), { axes: [axis], keepdims: true })),
  vjp: (g, _x, { axis }, y) => [o.sub(g, o.mul(o.exp(y), o.sumPrim(g, { axes: [axis], keepdims: true })))],
  samples: [
    { args: [{ shape: [3, 4] }], params: { axis: 1 } },
    { label: "axis 0 of three", args: [{ shape: [3, 2, 2] }], params: { axis: 0 } },
    { label: "large values", args: [{ shape: [2, 3], values: [1000, 999, -1000, -50, 0, 50] }], params: { axis: 1 } },
    { label: "infinities and NaN", args: [{ shape: [4, 3], values: [0, -Infinity, 1, -Infinity, -Infinity, -Infinity, 2, Infinity, 0, NaN, 1, 2] }], params: { axis: 1 }, valueOnly: true },
  ],
};

export interface CumsumParams {
  axis: number;
  /** Sum from the end of the axis towards its start. */
  reverse: boolean;
}
export const cumsum: DifferentiablePrimitive<CumsumParams> = {
  name: "cumsum",
  differentiable: true,
  infer: ([a], { axis }) => {
    if (!isFloat(a.dtype) && a.dtype !== "int32") requireDType("cumsum", a, "int32", 0, "the input");
    if (axis < 0 || axis >= a.shape.length) throw new ValueError(`cumsum: axis ${axis} out of range for shape [${a.shape.join(", ")}]`);
    return { shape: a.shape, dtype: a.dtype };
  },
  jvp: (_x, [t], p) => o.cumsumPrim(t!, p),
  vjp: (g, _x, p) => [o.cumsumPrim(g, { axis: p.axis, reverse: !p.reverse })],
  samples: [
    { args: [{ shape: [2, 4] }], params: { axis: 1, reverse: false } },
    { args: [{ shape: [3, 2] }], params: { axis: 0, reverse: true } },
  ],
};
