/**
 * Movement primitives on the wasm backend, all through one strided-copy kernel (plus a blocked 2-D
 * transpose): reshape shares its input's storage; transpose, broadcastTo, slice, flip gather with
 * strides; pad fills and scatters; concat copies each input into its place.
 */
import type { BroadcastParams, ConcatParams, FlipParams, PadParams, ReshapeParams, SliceParams, TransposeParams } from "../../../ops/prims/movement.js";
import type { DType } from "../../../core/dtype.js";
import { type Ctx, DT_SIZE } from "../context.js";
import { HeapBuf, TView } from "../memory.js";
import { broadcastStrides, collapse, rowMajorStrides } from "../strides.js";
import type { NativeKernel } from "./types.js";
import { widthOf } from "./elementwise.js";

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Copies `shape` elements from src (strides ss) to dst (strides ds); byte offsets src/dst. */
export function stridedCopy(c: Ctx, dt: DType, src: number, dst: number, shape: readonly number[], ss: readonly number[], ds: readonly number[]): void {
  if (sizeOf(shape) === 0) return;
  const { meta, rank } = collapse(shape, [ss, ds]);
  c.writeMeta(meta);
  const w = widthOf(dt);
  if (w === 1) c.x.copy_w1(src, dst, c.meta, rank);
  else if (w === 4) c.x.copy_w4(src, dst, c.meta, rank);
  else c.x.copy_w8(src, dst, c.meta, rank);
}

const reshape: NativeKernel<ReshapeParams> = (_c, [a]) => {
  // Storage is immutable, so the output shares it; one more tensor now holds it.
  if (a instanceof HeapBuf || a instanceof TView) a.refs++;
  return a;
};

const transpose: NativeKernel<TransposeParams> = (c, [a], [av], { perm }, out) => {
  const dt = av.dtype;
  const n = sizeOf(out.shape);
  const r = perm.length;
  let swapLast = r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1;
  for (let i = 0; swapLast && i < r - 2; i++) swapLast = perm[i] === i;
  const w = widthOf(dt);
  if (swapLast && w !== 1 && n > 0) {
    // Swapping the last two axes of a heap tensor: a lazy view (matrix products read it in place).
    const m = av.shape[r - 2];
    const k = av.shape[r - 1];
    if (a instanceof HeapBuf) return new TView(a, n / (m * k), m, k);
    if (a instanceof TView && a.batch * a.m * a.n === n && a.n === m && a.m === k) {
      a.base.refs++; // the transpose of a transpose is the original data
      return a.base;
    }
  }
  const src = c.ptr(a, dt);
  const dst = c.out(dt, n);
  if (swapLast && w !== 1 && n > 0) {
    const m = av.shape[r - 2];
    const k = av.shape[r - 1];
    const batch = n / (m * k);
    if (w === 4) c.x.transpose_w4(src, dst, batch, m, k);
    else c.x.transpose_w8(src, dst, batch, m, k);
  } else {
    const s = rowMajorStrides(av.shape);
    stridedCopy(c, dt, src, dst, out.shape, perm.map((p) => s[p]), rowMajorStrides(out.shape));
  }
  return c.result();
};

const broadcastTo: NativeKernel<BroadcastParams> = (c, [a], [av], _p, out) => {
  const dt = av.dtype;
  const n = sizeOf(out.shape);
  if (sizeOf(av.shape) === 1) {
    // One element (the cotangent of a full reduction): a fill, no strided gather.
    const value = c.view(a, dt, 1)[0];
    fill(c, dt, c.out(dt, n), value, n);
    return c.result();
  }
  const src = c.ptr(a, dt);
  const dst = c.out(dt, n);
  stridedCopy(c, dt, src, dst, out.shape, broadcastStrides(av.shape, out.shape), rowMajorStrides(out.shape));
  return c.result();
};

const slice: NativeKernel<SliceParams> = (c, [a], [av], { begin, step }, out) => {
  const dt = av.dtype;
  const s = rowMajorStrides(av.shape);
  let base = 0;
  for (let i = 0; i < begin.length; i++) base += begin[i] * s[i];
  const src = c.ptr(a, dt) + base * DT_SIZE[dt];
  const dst = c.out(dt, sizeOf(out.shape));
  stridedCopy(c, dt, src, dst, out.shape, s.map((st, i) => st * step[i]), rowMajorStrides(out.shape));
  return c.result();
};

const flip: NativeKernel<FlipParams> = (c, [a], [av], { axes }, out) => {
  const dt = av.dtype;
  const s = rowMajorStrides(av.shape);
  let base = 0;
  for (const ax of axes) base += (av.shape[ax] - 1) * s[ax];
  const n = sizeOf(out.shape);
  const src = c.ptr(a, dt) + (n === 0 ? 0 : base * DT_SIZE[dt]);
  const dst = c.out(dt, n);
  stridedCopy(c, dt, src, dst, out.shape, s.map((st, i) => (axes.includes(i) ? -st : st)), rowMajorStrides(out.shape));
  return c.result();
};

export function fill(c: Ctx, dt: DType, dst: number, value: number, n: number): void {
  if (n === 0) return;
  if (dt === "float64") c.x.fill_w8(dst, value, n);
  else if (dt === "bool") c.x.fill_w1(dst, value !== 0 ? 1 : 0, n);
  else if (dt === "int32") c.x.fill_w4(dst, value | 0, n);
  else {
    F32_BITS[0] = value;
    c.x.fill_w4(dst, I32_BITS[0], n);
  }
}
/** One float32 seen as its int32 bits (fill_w4 takes bits). */
const F32_BITS = new Float32Array(1);
const I32_BITS = new Int32Array(F32_BITS.buffer);

const pad: NativeKernel<PadParams> = (c, [a], [av], { lo, interior, value }, out) => {
  const dt = av.dtype;
  const n = sizeOf(out.shape);
  const src = c.ptr(a, dt);
  const dst = c.out(dt, n);
  fill(c, dt, dst, value, n);
  const os = rowMajorStrides(out.shape);
  let base = 0;
  for (let i = 0; i < lo.length; i++) base += lo[i] * os[i];
  stridedCopy(c, dt, src, dst + base * DT_SIZE[dt], av.shape, rowMajorStrides(av.shape), os.map((st, i) => st * (interior[i] + 1)));
  return c.result();
};

const concat: NativeKernel<ConcatParams> = (c, inputs, avals, { axis }, out) => {
  const dt = out.dtype;
  const ptrs = inputs.map((s, i) => c.ptr(s, avals[i].dtype));
  const dst = c.out(dt, sizeOf(out.shape));
  const os = rowMajorStrides(out.shape);
  let offset = 0;
  for (let i = 0; i < inputs.length; i++) {
    const shape = avals[i].shape;
    stridedCopy(c, dt, ptrs[i], dst + offset * os[axis] * DT_SIZE[dt], shape, rowMajorStrides(shape), os);
    offset += shape[axis];
  }
  return c.result();
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
