/**
 * Convolution primitives on the native backend: the three bilinear convolution primitives by
 * im2col + GEMM per image, images spread over the thread pool (native/node/src/conv.c), and the
 * max-pooling window argmax.
 */
import type { Aval } from "../../backend.js";
import { allocOut } from "../arrays.js";
import type { Conv2dGradFilterParams, Conv2dGradInputParams, Conv2dParams, PoolWindowParams } from "../../../ops/prims/conv.js";
import { DT, type NativeCtx, type NativeKernel, sizeOf } from "../context.js";

const FORWARD = 0;
const GRAD_INPUT = 1;
const GRAD_FILTER = 2;

/** Writes the geometry metadata: x [N, C, H, W], w [O, C/groups, KH, KW], y [N, O, OH, OW]. */
function geometry(c: NativeCtx, xs: readonly number[], ws: readonly number[], ys: readonly number[], p: Conv2dParams): void {
  const mi = c.mi;
  mi[0] = xs[0];
  mi[1] = xs[1];
  mi[2] = xs[2];
  mi[3] = xs[3];
  mi[4] = ws[0];
  mi[5] = ws[1];
  mi[6] = ws[2];
  mi[7] = ws[3];
  mi[8] = ys[2];
  mi[9] = ys[3];
  mi[10] = p.stride[0];
  mi[11] = p.stride[1];
  mi[12] = p.padding[0][0];
  mi[13] = p.padding[1][0];
  mi[14] = p.dilation[0];
  mi[15] = p.dilation[1];
  mi[16] = p.groups;
}

function floatOut(out: Aval): boolean {
  return out.dtype === "float32" || out.dtype === "float64";
}

const conv2d: NativeKernel<Conv2dParams> = (c, [x, w], [xv, wv], p, out) => {
  if (!floatOut(out)) return null;
  const y = allocOut(out.dtype, sizeOf(out.shape));
  geometry(c, xv.shape, wv.shape, out.shape, p);
  c.N.conv(FORWARD, DT[out.dtype], x, w, y);
  return y;
};

const conv2dGradInput: NativeKernel<Conv2dGradInputParams> = (c, [g, w], [gv, wv], p, out) => {
  if (!floatOut(out)) return null;
  const dx = allocOut(out.dtype, sizeOf(out.shape));
  geometry(c, out.shape, wv.shape, gv.shape, p);
  c.N.conv(GRAD_INPUT, DT[out.dtype], dx, w, g);
  return dx;
};

const conv2dGradFilter: NativeKernel<Conv2dGradFilterParams> = (c, [x, g], [xv, gv], p, out) => {
  if (!floatOut(out)) return null;
  const dw = allocOut(out.dtype, sizeOf(out.shape));
  geometry(c, xv.shape, out.shape, gv.shape, p);
  c.N.conv(GRAD_FILTER, DT[out.dtype], x, dw, g);
  return dw;
};

const maxPool2dArgmax: NativeKernel<PoolWindowParams> = (c, [x], [xv], { kernelSize, stride, dilation }, out) => {
  const dt = xv.dtype;
  if (dt !== "float32" && dt !== "float64") return null;
  const y = allocOut("int32", sizeOf(out.shape));
  const [n, ch, h, w] = xv.shape;
  const [, , oh, ow] = out.shape;
  c.mi.set([n * ch, h, w, oh, ow, kernelSize[0], kernelSize[1], stride[0], stride[1], dilation[0], dilation[1]]);
  c.N.maxpool(DT[dt], x, y);
  return y;
};

export const convEntries = {
  conv2d: { native: conv2d },
  conv2dGradInput: { native: conv2dGradInput },
  conv2dGradFilter: { native: conv2dGradFilter },
  maxPool2dArgmax: { native: maxPool2dArgmax },
};
