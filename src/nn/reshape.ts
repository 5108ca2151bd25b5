/** Flatten and Reshape: change the per-sample shape, keeping the batch axis. */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import { reshape as reshapeOp } from "../ops/shape.js";
import { type Layer, NO_STATE } from "./layer.js";

/** JSON description of a Flatten layer. */
export interface FlattenSpec {
  type: "flatten";
}

/**
 * Flattens every axis but the batch axis: [N, ...s] -> [N, prod(s)]. No parameters or state.
 * @example gn.nn.flatten().outputShape([8, 7, 7]) // [392]
 */
export function flatten(): Layer<FlattenSpec> {
  return {
    name: "Flatten",
    spec: { type: "flatten" },
    init: () => ({ params: {}, state: NO_STATE }),
    apply(_params, x) {
      if (x.ndim < 1) throw new ShapeError(`Flatten: input must have a batch axis, got shape ${fmtShape(x.shape)}`);
      return { y: reshapeOp(x, [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)]), state: NO_STATE };
    },
    outputShape: (s) => [s.reduce((a, b) => a * b, 1)],
  };
}

/** JSON description of a Reshape layer. */
export interface ReshapeSpec {
  type: "reshape";
  shape: number[];
}

/**
 * Reshapes each sample to `shape` (one entry may be -1, inferred): [N, ...s] -> [N, ...shape], e.g. flat
 * 784-pixel rows to [1, 28, 28] images. No parameters or state.
 * @example gn.nn.reshape([1, 8, 8]).outputShape([64]) // [1, 8, 8]
 */
export function reshape(shape: readonly number[]): Layer<ReshapeSpec> {
  const op = "nn.reshape";
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) || shape.filter((d) => d === -1).length > 1)
    throw new ValueError(`${op}: shape must be positive integers with at most one -1, got ${JSON.stringify(shape)}`);
  const spec: ReshapeSpec = { type: "reshape", shape: [...shape] };
  const name = `Reshape(${fmtShape(shape)})`;
  const resolve = (s: readonly number[]): number[] => {
    const size = s.reduce((a, b) => a * b, 1);
    const known = shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const out = shape.map((d) => (d === -1 ? size / known : d));
    if (!Number.isInteger(out[shape.indexOf(-1)] ?? 0) || out.reduce((a, b) => a * b, 1) !== size)
      throw new ShapeError(`${name}: a sample of shape ${fmtShape(s)} (${size} values) cannot be reshaped to ${fmtShape(shape)}`);
    return out;
  };
  return {
    name,
    spec,
    init: (_key, inputShape) => {
      if (inputShape) resolve(inputShape);
      return { params: {}, state: NO_STATE };
    },
    apply(_params, x) {
      if (x.ndim < 1) throw new ShapeError(`${name}: input must have a batch axis, got shape ${fmtShape(x.shape)}`);
      return { y: reshapeOp(x, [x.shape[0], ...resolve(x.shape.slice(1))]), state: NO_STATE };
    },
    outputShape: resolve,
  };
}
