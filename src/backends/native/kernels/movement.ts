/**
 * Movement primitives on the native backend, all through one strided copy (plus a blocked transpose
 * of the last two axes): reshape shares its input's array (storage is never written after creation);
 * transpose, broadcastTo, slice and flip gather with strides; pad fills and scatters; concat copies
 * each input into its place.
 */
import type { DType, TypedArray } from "../../../core/dtype.js";
import { allocOut, isOwned, markShared } from "../arrays.js";
import type { BroadcastParams, ConcatParams, FlipParams, PadParams, ReshapeParams, SliceParams, TransposeParams } from "../../../ops/prims/movement.js";
import { broadcastStrides, collapse, rowMajorStrides } from "../../wasm/strides.js";
import { type NativeCtx, type NativeKernel, WIDTH, sizeOf } from "../context.js";
import { TransposedView, materialize, transposeCopy } from "../views.js";

/** Copies `shape` elements from src (strides ss, from element srcOff) to dst (strides ds, from dstOff). */
function stridedCopy(c: NativeCtx, dt: DType, src: TypedArray, srcOff: number, dst: TypedArray, dstOff: number, shape: readonly number[], ss: readonly number[], ds: readonly number[]): void {
  if (sizeOf(shape) === 0) return;
  const { meta, rank } = collapse(shape, [ss, ds]);
  c.mi.set(meta);
  c.N.copy(WIDTH[dt], src, srcOff, dst, dstOff, rank);
}

const reshape: NativeKernel<ReshapeParams> = (_c, [x]) => {
  // Storage is never written after creation, so the output shares it; two tensors now hold the array.
  markShared(x);
  return x;
};

/**
 * Transposes of arrays that came from the user (data, constants: never recycled, never written) are
 * kept while their source lives: the reverse pass of x @ w transposes x on every step, and storage is
 * immutable, so the same transpose is the same array. The cache counts as a holder of the result,
 * which is therefore never recycled while cached.
 */
const transposeCache = new WeakMap<TypedArray, { key: string; y: TypedArray }>();

/** Arrays below this many elements are transposed at once: a copy costs less than reading strides. */
const VIEW_MIN = 4096;

const transpose: NativeKernel<TransposeParams> = (c, inputs, [xv], { perm }, out) => {
  const input = inputs[0] as TypedArray | TransposedView;
  // The backend passes views to this kernel as they are: swapping a view's axes back is its base.
  if (input instanceof TransposedView && swapsLastTwo(perm)) {
    markShared(input.base);
    return input.base;
  }
  const x = materialize(c, input);
  const key = isOwned(x) ? null : `${xv.shape.join(",")}|${perm.join(",")}`;
  if (key !== null) {
    const hit = transposeCache.get(x);
    if (hit !== undefined && hit.key === key) {
      markShared(hit.y);
      return hit.y;
    }
  }
  const n = sizeOf(out.shape);
  if (swapsLastTwo(perm) && n > 0) {
    const r = perm.length;
    const m = xv.shape[r - 2];
    const k = xv.shape[r - 1];
    if (key === null && n >= VIEW_MIN) {
      markShared(x); // the view holds x until it is disposed
      return new TransposedView(x, xv.dtype, n / (m * k), m, k);
    }
    const y = transposeCopy(c, x, xv.dtype, n / (m * k), m, k);
    if (key !== null) {
      markShared(y);
      transposeCache.set(x, { key, y });
    }
    return y;
  }
  const y = allocOut(xv.dtype, n);
  const s = rowMajorStrides(xv.shape);
  stridedCopy(c, xv.dtype, x, 0, y, 0, out.shape, perm.map((p) => s[p]), rowMajorStrides(out.shape));
  return y;
};

/** Whether perm swaps the last two axes and keeps the others. */
function swapsLastTwo(perm: readonly number[]): boolean {
  const r = perm.length;
  if (r < 2 || perm[r - 1] !== r - 2 || perm[r - 2] !== r - 1) return false;
  for (let i = 0; i < r - 2; i++) if (perm[i] !== i) return false;
  return true;
}

const broadcastTo: NativeKernel<BroadcastParams> = (c, [x], [xv], _p, out) => {
  const y = allocOut(xv.dtype, sizeOf(out.shape));
  stridedCopy(c, xv.dtype, x, 0, y, 0, out.shape, broadcastStrides(xv.shape, out.shape), rowMajorStrides(out.shape));
  return y;
};

const slice: NativeKernel<SliceParams> = (c, [x], [xv], { begin, step }, out) => {
  const s = rowMajorStrides(xv.shape);
  let base = 0;
  for (let i = 0; i < begin.length; i++) base += begin[i] * s[i];
  const y = allocOut(xv.dtype, sizeOf(out.shape));
  stridedCopy(c, xv.dtype, x, base, y, 0, out.shape, s.map((st, i) => st * step[i]), rowMajorStrides(out.shape));
  return y;
};

const flip: NativeKernel<FlipParams> = (c, [x], [xv], { axes }, out) => {
  const s = rowMajorStrides(xv.shape);
  let base = 0;
  for (const ax of axes) base += (xv.shape[ax] - 1) * s[ax];
  const y = allocOut(xv.dtype, sizeOf(out.shape));
  stridedCopy(c, xv.dtype, x, base, y, 0, out.shape, s.map((st, i) => (axes.includes(i) ? -st : st)), rowMajorStrides(out.shape));
  return y;
};

const pad: NativeKernel<PadParams> = (c, [x], [xv], { lo, interior, value }, out) => {
  const y = allocOut(xv.dtype, sizeOf(out.shape));
  y.fill(value); // a recycled array holds old values
  const os = rowMajorStrides(out.shape);
  let base = 0;
  for (let i = 0; i < lo.length; i++) base += lo[i] * os[i];
  stridedCopy(c, xv.dtype, x, 0, y, base, xv.shape, rowMajorStrides(xv.shape), os.map((st, i) => st * (interior[i] + 1)));
  return y;
};

const concat: NativeKernel<ConcatParams> = (c, inputs, avals, { axis }, out) => {
  const dt = out.dtype;
  const y = allocOut(dt, sizeOf(out.shape));
  const os = rowMajorStrides(out.shape);
  let offset = 0;
  for (let i = 0; i < inputs.length; i++) {
    const shape = avals[i].shape;
    stridedCopy(c, dt, inputs[i], 0, y, offset * os[axis], shape, rowMajorStrides(shape), os);
    offset += shape[axis];
  }
  return y;
};

export const movementEntries = {
  reshape: { native: reshape },
  transpose: { native: transpose },
  broadcastTo: { native: broadcastTo },
  slice: { native: slice },
  pad: { native: pad },
  concat: { native: concat },
  flip: { native: flip },
};
