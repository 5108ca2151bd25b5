/**
 * Convolutions on the wasm backend: im2col + the packed GEMM (native/wasm/conv.c), one image at a
 * time, with the batch split over the worker threads. conv2dGradFilter sums per-thread partial
 * filters. maxPool2dArgmax is a direct window scan.
 */
import type { Conv2dGradFilterParams, Conv2dGradInputParams, Conv2dParams, PoolWindowParams } from "../../../ops/prims/conv.js";
import type { Ctx, Storage } from "../context.js";
import { runParts, threadCount, workspaceFor } from "../threads.js";
import type { NativeKernel } from "./types.js";

/** Writes the geometry the C kernels read: [N, C, H, W, O, KH, KW, sh, sw, top, left, dh, dw, OH, OW, groups]. */
function geometry(c: Ctx, x: readonly number[], w: readonly number[], y: readonly number[], p: Conv2dParams): number {
  return c.writeMeta([x[0], x[1], x[2], x[3], w[0], w[2], w[3], p.stride[0], p.stride[1], p.padding[0][0], p.padding[1][0], p.dilation[0], p.dilation[1], y[2], y[3], p.groups]);
}

/** Image ranges [n0, n1) for the threads, at most one per thread, covering the batch. */
function imageRanges(n: number): [number, number][] {
  const parts = Math.max(1, Math.min(threadCount(), n));
  const out: [number, number][] = [];
  for (let t = 0; t < parts; t++) out.push([Math.floor((t * n) / parts), Math.floor(((t + 1) * n) / parts)]);
  return out;
}

/** Bytes of one thread's im2col buffer: (C/groups KH KW) x (OH OW) elements. */
function colBytes(x: readonly number[], w: readonly number[], y: readonly number[], groups: number, es: number): number {
  return Math.max(1, (x[1] / groups) * w[2] * w[3] * y[2] * y[3] * es);
}

type ConvOp = "conv2d" | "conv2d_grad_input";

/** conv2d and conv2dGradInput: every image is independent. */
function perImage(op: ConvOp, c: Ctx, a: Storage, b: Storage, dtA: string, xShape: readonly number[], wShape: readonly number[], yShape: readonly number[], outShape: readonly number[], p: Conv2dParams): Storage | null {
  const f32 = dtA === "float32";
  if (!f32 && dtA !== "float64") return null;
  const dt = f32 ? "float32" : "float64";
  const es = f32 ? 4 : 8;
  const pa = c.ptr(a, dt);
  const pb = c.ptr(b, dt);
  let size = 1;
  for (const d of outShape) size *= d;
  const out = c.out(dt, size);
  if (size === 0) return c.result();
  const geom = geometry(c, xShape, wShape, yShape, p);
  const ranges = imageRanges(xShape[0]);
  const col = colBytes(xShape, wShape, yShape, p.groups, es);
  const parts = ranges.map(([n0, n1], t) => [pa, pb, out, geom, n0, n1, c.temp(col), workspaceFor(c, t, ranges.length)]);
  runParts(c, `${op}_${f32 ? "f32" : "f64"}`, parts);
  return c.result();
}

const conv2d: NativeKernel<Conv2dParams> = (c, [x, w], [xv, wv], p, out) => perImage("conv2d", c, x, w, xv.dtype, xv.shape, wv.shape, out.shape, out.shape, p);

const conv2dGradInput: NativeKernel<Conv2dGradInputParams> = (c, [gy, w], [gv, wv], p, out) =>
  perImage("conv2d_grad_input", c, gy, w, gv.dtype, out.shape, wv.shape, gv.shape, out.shape, p);

/**
 * The filter gradient sums over the batch. The batch is cut into a fixed number of chunks whatever
 * the thread count (and whether the workers have started yet), each chunk sums its images into its
 * own partial filter, and the partials are added in chunk order: the result has the same bits with
 * one thread or eight. Filters are small, so the extra partials cost little.
 */
const FILTER_GRAD_CHUNKS = 8;

const conv2dGradFilter: NativeKernel<Conv2dGradFilterParams> = (c, [x, gy], [xv, gv], p, out) => {
  const f32 = xv.dtype === "float32";
  if (!f32 && xv.dtype !== "float64") return null;
  const dt = f32 ? "float32" : "float64";
  const es = f32 ? 4 : 8;
  const px = c.ptr(x, dt);
  const pg = c.ptr(gy, dt);
  let size = 1;
  for (const d of out.shape) size *= d;
  const dw = c.out(dt, size);
  if (size === 0) return c.result();
  const geom = geometry(c, xv.shape, out.shape, gv.shape, p);
  const n = xv.shape[0];
  const chunks = Math.max(1, Math.min(FILTER_GRAD_CHUNKS, n));
  const col = colBytes(xv.shape, out.shape, gv.shape, p.groups, es);
  const partials = Array.from({ length: chunks }, (_, t) => (t === 0 ? dw : c.temp(size * es)));
  const threads = threadCount();
  for (let first = 0; first < chunks; first += threads) {
    const round = Math.min(threads, chunks - first);
    const parts = Array.from({ length: round }, (_, j) => {
      const t = first + j;
      return [px, pg, partials[t], geom, Math.floor((t * n) / chunks), Math.floor(((t + 1) * n) / chunks), c.temp(col), workspaceFor(c, j, round), 0];
    });
    runParts(c, f32 ? "conv2d_grad_filter_f32" : "conv2d_grad_filter_f64", parts);
  }
  for (let t = 1; t < chunks; t++) {
    const m = c.writeMeta([size, 1, 1]);
    if (f32) c.x.binary_f32(0, dw, partials[t], dw, m, 1);
    else c.x.binary_f64(0, dw, partials[t], dw, m, 1);
  }
  return c.result();
};

const maxPool2dArgmax: NativeKernel<PoolWindowParams> = (c, [x], [xv], { kernelSize, stride, dilation }, out) => {
  const dt = xv.dtype;
  if (dt !== "float32" && dt !== "float64") return null;
  const [n, ch, h, w] = xv.shape;
  const [, , oh, ow] = out.shape;
  const px = c.ptr(x, dt);
  const py = c.out("int32", n * ch * oh * ow);
  (dt === "float32" ? c.x.pool_argmax_f32 : c.x.pool_argmax_f64)(px, n * ch, h, w, kernelSize[0], kernelSize[1], stride[0], stride[1], dilation[0], dilation[1], oh, ow, py);
  return c.result();
};

export const convEntries = {
  conv2d: { native: conv2d },
  conv2dGradInput: { native: conv2dGradInput },
  conv2dGradFilter: { native: conv2dGradFilter },
  maxPool2dArgmax: { native: maxPool2dArgmax },
};
