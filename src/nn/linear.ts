/** Linear (fully connected) layer: y = x w + b over the last axis. */
import { ShapeError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { add } from "../ops/elementwise.js";
import { matmul } from "../ops/linalg.js";
import { reshape } from "../ops/shape.js";
import * as random from "../random/index.js";
import { type InitName, getInitializer } from "./init.js";
import { type Layer, NO_STATE, type ParamDType, param, paramDType, positiveInt } from "./layer.js";

/** JSON description of a Linear layer. */
export interface LinearSpec {
  type: "linear";
  in: number;
  out: number;
  bias: boolean;
  init: InitName;
  biasInit: InitName;
  dtype: ParamDType;
}

/** Options of `linear`. */
export interface LinearOptions {
  /** Add a bias (default true). */
  bias?: boolean;
  /** Weight initialiser (default "glorotUniform"; "heUniform"/"heNormal" suit ReLU layers). */
  init?: InitName;
  /** Bias initialiser (default "zeros"). */
  biasInit?: InitName;
  /** Parameter dtype (default float32). */
  dtype?: ParamDType;
}

/**
 * A fully connected layer: y = x w + b, with w of shape [in, out] and b of shape [out]. It acts on
 * the last axis, so x may be [N, in] or [N, ..., in]. Parameters: `{ w, b }` (no `b` without bias).
 * NaN or infinity in x or w propagate to the outputs they touch.
 * @example
 * const layer = gn.nn.linear(30, 64, { init: "heUniform" });
 * const { params } = layer.init(gn.random.key(0));
 * layer.apply(params, gn.ones([8, 30])).y.shape; // [8, 64]
 */
export function linear(inFeatures: number, outFeatures: number, opts: LinearOptions = {}): Layer<LinearSpec> {
  const op = "nn.linear";
  const spec: LinearSpec = {
    type: "linear",
    in: positiveInt(op, "in", inFeatures),
    out: positiveInt(op, "out", outFeatures),
    bias: opts.bias ?? true,
    init: opts.init ?? "glorotUniform",
    biasInit: opts.biasInit ?? "zeros",
    dtype: paramDType(op, opts.dtype),
  };
  const wInit = getInitializer(spec.init, op);
  const bInit = getInitializer(spec.biasInit, op);
  const outputShape = (s: readonly number[]): number[] => {
    if (s.length === 0 || s[s.length - 1] !== spec.in)
      throw new ShapeError(`Linear(${spec.in} -> ${spec.out}): the per-sample input shape ${fmtShape(s)} must end in ${spec.in}`);
    return [...s.slice(0, -1), spec.out];
  };
  return {
    name: `Linear(${spec.in} -> ${spec.out}${spec.bias ? "" : ", no bias"})`,
    spec,
    init(key, inputShape) {
      if (inputShape) outputShape(inputShape);
      const [kw, kb] = random.split(key);
      const w = wInit(kw, [spec.in, spec.out], { fanIn: spec.in, fanOut: spec.out, dtype: spec.dtype });
      const params = spec.bias ? { w, b: bInit(kb, [spec.out], { fanIn: spec.in, fanOut: spec.out, dtype: spec.dtype }) } : { w };
      return { params, state: NO_STATE };
    },
    apply(params, x: Tensor) {
      if (x.ndim < 2 || x.shape[x.ndim - 1] !== spec.in)
        throw new ShapeError(`Linear(${spec.in} -> ${spec.out}): input has shape ${fmtShape(x.shape)}; expected [N, ..., ${spec.in}] (a batch axis and ${spec.in} features last)`);
      // Fold leading axes into one so the weight is not broadcast to a batch of copies.
      const flat = x.ndim === 2 ? x : reshape(x, [x.size / spec.in, spec.in]);
      let y = matmul(flat, param(op, params, "w"));
      if (x.ndim !== 2) y = reshape(y, [...x.shape.slice(0, -1), spec.out]);
      return { y: spec.bias ? add(y, param(op, params, "b")) : y, state: NO_STATE };
    },
    outputShape,
  };
}
