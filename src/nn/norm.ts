/**
 * Normalisation layers. BatchNorm keeps its running statistics as explicit state; LayerNorm has none.
 */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import type { Tree } from "../core/tree.js";
import { full } from "../ops/creation.js";
import { add, div, mul, sqrt, sub } from "../ops/elementwise.js";
import { mean, variance } from "../ops/reduce.js";
import { reshape } from "../ops/shape.js";
import { stopGradient } from "../transforms/stopGradient.js";
import { type Layer, type ParamDType, NO_STATE, child, numberIn, param, paramDType, positiveInt } from "./layer.js";

/** JSON description of a BatchNorm layer. */
export interface BatchNormSpec {
  type: "batchNorm";
  features: number;
  momentum: number;
  eps: number;
  affine: boolean;
  dtype: ParamDType;
}

/** Options of batchNorm. */
export interface BatchNormOptions {
  /** Weight of the new batch in the running statistics (default 0.1, as PyTorch). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a per-feature scale gamma and shift beta (default true). */
  affine?: boolean;
  /** Parameter and state dtype (default float32). */
  dtype?: ParamDType;
}

/**
 * Batch normalisation over axis 1 (features of [N, C], or channels of [N, C, H, W] and [N, C, L]), as
 * PyTorch's BatchNorm1d/2d. Parameters `{ gamma, beta }` (shape [C], ones and zeros at init; absent
 * without `affine`); state `{ mean, var }` (zeros and ones at init).
 *
 * - Training (`{ training: true }`): normalises with the batch mean m and biased variance v over every
 *   axis but 1, y = gamma (x - m) / sqrt(v + eps) + beta, and returns the state updated as
 *   mean' = (1 - momentum) mean + momentum m, var' = (1 - momentum) var + momentum v n / (n - 1),
 *   where n is the number of values per feature (the unbiased variance, as PyTorch). The batch
 *   statistics are differentiated through; the new state is not (stopGradient).
 * - Evaluation (default): normalises with the running mean and var; the state is returned unchanged.
 *
 * Training with n = 1 value per feature throws (the variance is undefined). NaN in a batch makes that
 * feature's output and running statistics NaN.
 * @example
 * const bn = gn.nn.batchNorm(3);
 * let { params, state } = bn.init(gn.random.key(0));
 * const out = bn.apply(params, x, { state, training: true });
 * state = out.state; // carry it to the next step; pass it (training: false) for evaluation
 */
export function batchNorm(features: number, opts: BatchNormOptions = {}): Layer<BatchNormSpec> {
  const op = "nn.batchNorm";
  const spec: BatchNormSpec = {
    type: "batchNorm",
    features: positiveInt(op, "features", features),
    momentum: numberIn(op, "momentum", opts.momentum ?? 0.1, 0, 1),
    eps: numberIn(op, "eps", opts.eps ?? 1e-5, 0, Infinity, true),
    affine: opts.affine ?? true,
    dtype: paramDType(op, opts.dtype),
  };
  const c = spec.features;
  const name = `BatchNorm(${c})`;
  const check = (s: readonly number[]) => {
    if (s.length < 1 || s[0] !== c) throw new ShapeError(`${name}: the per-sample input shape ${fmtShape(s)} must start with ${c} features/channels`);
  };
  return {
    name,
    spec,
    init(_key, inputShape) {
      if (inputShape) check(inputShape);
      const params = spec.affine ? { gamma: full([c], 1, { dtype: spec.dtype }), beta: full([c], 0, { dtype: spec.dtype }) } : {};
      return { params, state: { mean: full([c], 0, { dtype: spec.dtype }), var: full([c], 1, { dtype: spec.dtype }) } };
    },
    apply(params, x, ctx = {}) {
      if (x.ndim < 2 || x.shape[1] !== c)
        throw new ShapeError(`${name}: input has shape ${fmtShape(x.shape)}; expected [N, ${c}] or [N, ${c}, ...] (features on axis 1)`);
      const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
      const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
      const state = ctx.state;
      const running = (k: "mean" | "var"): Tensor => {
        const t = child(state, k);
        if (!(t instanceof Tensor))
          throw new ValueError(`${name}: the state has no "${k}"; pass { state } from init (or from the previous apply)`);
        return t;
      };
      let m: Tensor;
      let v: Tensor;
      let newState: Tree = state ?? NO_STATE;
      if (ctx.training) {
        const n = x.size / c;
        if (n <= 1) throw new ValueError(`${name}: training needs more than one value per feature, got input shape ${fmtShape(x.shape)}`);
        m = mean(x, axes);
        v = variance(x, axes);
        const mo = spec.momentum;
        newState = {
          mean: stopGradient(add(mul(running("mean"), 1 - mo), mul(m, mo))),
          var: stopGradient(add(mul(running("var"), 1 - mo), mul(v, (mo * n) / (n - 1)))),
        };
      } else {
        m = running("mean");
        v = running("var");
      }
      let y = div(sub(x, reshape(m, statShape)), sqrt(add(reshape(v, statShape), spec.eps)));
      if (spec.affine) y = add(mul(y, reshape(param(op, params, "gamma"), statShape)), reshape(param(op, params, "beta"), statShape));
      return { y, state: newState };
    },
    outputShape(s) {
      check(s);
      return [...s];
    },
  };
}

/** JSON description of a LayerNorm layer. */
export interface LayerNormSpec {
  type: "layerNorm";
  shape: number[];
  eps: number;
  affine: boolean;
  dtype: ParamDType;
}

/**
 * Layer normalisation over the last axes, which must equal `shape` (a number for one axis), as
 * PyTorch's LayerNorm: y = gamma (x - m) / sqrt(v + eps) + beta with the mean m and biased variance v
 * of each sample over those axes. Parameters `{ gamma, beta }` of `shape` (absent without `affine`);
 * no state, and training and evaluation behave the same.
 * @example gn.nn.layerNorm(64).apply(params, gn.ones([8, 64])).y.shape // [8, 64]
 */
export function layerNorm(shape: number | readonly number[], opts: { eps?: number; affine?: boolean; dtype?: ParamDType } = {}): Layer<LayerNormSpec> {
  const op = "nn.layerNorm";
  const dims = typeof shape === "number" ? [shape] : [...shape];
  if (dims.length === 0) throw new ValueError(`${op}: shape must name at least one axis`);
  dims.forEach((d, i) => positiveInt(op, `shape[${i}]`, d));
  const spec: LayerNormSpec = {
    type: "layerNorm",
    shape: dims,
    eps: numberIn(op, "eps", opts.eps ?? 1e-5, 0, Infinity, true),
    affine: opts.affine ?? true,
    dtype: paramDType(op, opts.dtype),
  };
  const name = `LayerNorm(${fmtShape(dims)})`;
  const k = dims.length;
  const fits = (s: readonly number[]) => s.length >= k && dims.every((d, i) => s[s.length - k + i] === d);
  return {
    name,
    spec,
    init(_key, inputShape) {
      if (inputShape && !fits(inputShape)) throw new ShapeError(`${name}: the per-sample input shape ${fmtShape(inputShape)} must end in ${fmtShape(dims)}`);
      const params = spec.affine ? { gamma: full(dims, 1, { dtype: spec.dtype }), beta: full(dims, 0, { dtype: spec.dtype }) } : {};
      return { params, state: NO_STATE };
    },
    apply(params, x) {
      if (x.ndim < k + 1 || !fits(x.shape)) throw new ShapeError(`${name}: input has shape ${fmtShape(x.shape)}; expected [N, ..., ${dims.join(", ")}]`);
      const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
      const m = mean(x, axes, { keepdims: true });
      const v = variance(x, axes, { keepdims: true });
      let y = div(sub(x, m), sqrt(add(v, spec.eps)));
      if (spec.affine) y = add(mul(y, param(op, params, "gamma")), param(op, params, "beta"));
      return { y, state: NO_STATE };
    },
    outputShape(s) {
      if (!fits(s)) throw new ShapeError(`${name}: the per-sample input shape ${fmtShape(s)} must end in ${fmtShape(dims)}`);
      return [...s];
    },
  };
}
