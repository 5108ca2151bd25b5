/** Gathering and scattering by integer indices. */
import { ShapeError, fmtShape } from "../core/errors.js";
import { normalizeAxis } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import { bind } from "../engine/trace.js";
import { tensor } from "./creation.js";
import { add, cast } from "./elementwise.js";

function asIndices(op: string, indices: Tensor | readonly number[]): Tensor {
  const t = indices instanceof Tensor ? indices : tensor(indices as number[], { dtype: "int32" });
  if (t.dtype === "int32") return t;
  if (t.dtype === "bool") throw new ShapeError(`${op}: indices must be int32, got bool (use gn.nonzero-style masks with gn.where instead)`);
  return cast(t, "int32");
}

/**
 * Picks entries along `axis` (NumPy's take; default axis 0). Out shape: x.shape[:axis] + indices.shape
 * + x.shape[axis+1:]. Negative indices count from the end; out-of-range indices throw. Differentiable in x.
 * @example gn.take(gn.tensor([10, 20, 30]), [2, 0]) // [30, 10]
 */
export function take(x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor {
  const idx = asIndices("take", indices);
  const y = bind("take", [x, idx], { axis: normalizeAxis("take", axis, x.ndim) });
  // An index tensor made here from an array is ours: free it at once (a mini-batch loop takes one per
  // step), unless a transform recorded the take (y is then a tracer) and keeps idx for its derivative.
  if (idx !== indices && y._trace === null) idx.dispose();
  return y;
}

/** Alias of `take` (PyTorch users: for per-row picking see `takeAlongAxis`). */
export const gather = take;

/**
 * Adds `updates` into a copy of `base` at `indices` along `axis` (repeated indices add up); the
 * transpose of `take`. updates has shape base.shape[:axis] + indices.shape + base.shape[axis+1:].
 * @example gn.scatterAdd(gn.zeros([3]), [0, 0, 2], gn.tensor([1, 2, 3])) // [3, 0, 3]
 */
export function scatterAdd(base: Tensor, indices: Tensor | readonly number[], updates: Tensor, axis = 0): Tensor {
  const a = normalizeAxis("scatterAdd", axis, base.ndim);
  const idx = asIndices("scatterAdd", indices);
  const expected = [...base.shape.slice(0, a), ...idx.shape, ...base.shape.slice(a + 1)];
  if (expected.length !== updates.ndim || expected.some((d, i) => d !== updates.shape[i]))
    throw new ShapeError(`scatterAdd: updates have shape ${fmtShape(updates.shape)} but base ${fmtShape(base.shape)} with indices ${fmtShape(idx.shape)} at axis ${a} needs ${fmtShape(expected)}`);
  const u = cast(updates, base.dtype);
  return add(base, bind("scatterAdd", [idx, u], { axis: a, dimSize: base.shape[a] }));
}

/**
 * Picks one entry per position along `axis` (NumPy's take_along_axis, PyTorch's gather): indices has
 * x's rank and x's shape except along `axis`. Differentiable in x.
 * @example gn.takeAlongAxis(gn.tensor([[1, 2], [3, 4]]), gn.tensor([[1], [0]], { dtype: "int32" }), 1) // [[2], [3]]
 */
export function takeAlongAxis(x: Tensor, indices: Tensor, axis: number): Tensor {
  return bind("takeAlongAxis", [x, asIndices("takeAlongAxis", indices)], { axis: normalizeAxis("takeAlongAxis", axis, x.ndim) });
}

/** The transpose of `takeAlongAxis`: adds `updates` into a copy of `base` at per-position indices along `axis`. */
export function scatterAddAlongAxis(base: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor {
  const a = normalizeAxis("scatterAddAlongAxis", axis, base.ndim);
  return add(base, bind("scatterAddAlongAxis", [asIndices("scatterAddAlongAxis", indices), cast(updates, base.dtype)], { axis: a, dimSize: base.shape[a] }));
}

/**
 * One-hot encoding: an int32 tensor of class indices -> a float tensor with a new last axis of size `depth`.
 * @example gn.oneHot(gn.tensor([0, 2], { dtype: "int32" }), 3) // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(indices: Tensor | readonly number[], depth: number, opts: { dtype?: "float32" | "float64" } = {}): Tensor {
  const idx = asIndices("oneHot", indices);
  const eyeRows = new Float64Array(depth * depth);
  for (let i = 0; i < depth; i++) eyeRows[i * depth + i] = 1;
  const table = tensor(eyeRows, { shape: [depth, depth], dtype: opts.dtype ?? "float32" });
  return take(table, idx, 0);
}
