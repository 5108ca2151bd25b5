/**
 * 2-D convolution (NCHW) and the window argmax behind max pooling.
 *
 * Three bilinear primitives close under differentiation. With T(x, w, g) = <conv2d(x, w), g>:
 * - conv2d(x, w)          = dT/dg  (the forward convolution)
 * - conv2dGradInput(g, w) = dT/dx  (the transposed convolution)
 * - conv2dGradFilter(x, g) = dT/dw (the filter correlation)
 * Each one's derivative with respect to either argument is one of the three again, so derivatives
 * of any order in either mode need no other rule. Padding is zero padding.
 *
 * Params are explicit and already normalised by the public op (src/ops/nn.ts), so a backend can
 * implement a kernel from them alone:
 * - stride [sh, sw] >= 1, dilation [dh, dw] >= 1, padding [[top, bottom], [left, right]] >= 0,
 *   groups >= 1 dividing both channel counts;
 * - output size per spatial axis: floor((in + lo + hi - dilation * (k - 1) - 1) / stride) + 1;
 * - out[n, o, i, j] = sum_{c, a, b} x[n, G*C/groups + c, i*sh - top + a*dh, j*sw - left + b*dw] * w[o, c, a, b]
 *   with G = floor(o / (O / groups)) and taps outside the input reading 0.
 */
import type { Aval } from "../../backends/backend.js";
import { ShapeError, ValueError, fmtShape } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import type { DifferentiablePrimitive, NonDifferentiablePrimitive, Sample } from "../../engine/primitive.js";
import * as o from "../index.js";
import { requireFloat, requireRank, sameDType } from "./util.js";

/** Geometry shared by the three convolution primitives. */
export interface Conv2dParams {
  /** [sh, sw], each >= 1. */
  stride: [number, number];
  /** Zero padding [[top, bottom], [left, right]], each >= 0. */
  padding: [[number, number], [number, number]];
  /** [dh, dw], each >= 1: the spacing between filter taps. */
  dilation: [number, number];
  /** Channel groups: input channels C and output channels O are split into `groups` independent blocks. */
  groups: number;
}

/** conv2dGradInput also needs the input's shape: with stride > 1 several input sizes give one output size. */
export interface Conv2dGradInputParams extends Conv2dParams {
  /** [N, C, H, W] of the convolution's input (the shape of this primitive's output). */
  inputShape: number[];
}

/** conv2dGradFilter also needs the filter's shape, for the same reason. */
export interface Conv2dGradFilterParams extends Conv2dParams {
  /** [O, C / groups, KH, KW] of the convolution's filter (the shape of this primitive's output). */
  filterShape: number[];
}

/** Output size along one spatial axis (may be <= 0 when the kernel does not fit; callers check). */
export function convOutSize(size: number, kernel: number, stride: number, pad: readonly [number, number], dilation: number): number {
  return Math.floor((size + pad[0] + pad[1] - dilation * (kernel - 1) - 1) / stride) + 1;
}

function checkGeometry(op: string, p: Conv2dParams): void {
  const ints = [...p.stride, ...p.dilation, p.groups, ...p.padding[0], ...p.padding[1]];
  if (p.stride.length !== 2 || p.dilation.length !== 2 || p.padding.length !== 2 || p.padding.some((q) => q.length !== 2) || ints.some((v) => !Number.isInteger(v)))
    throw new ValueError(`${op}: stride, dilation and padding need two integers per spatial axis, got stride [${p.stride}], dilation [${p.dilation}], padding ${JSON.stringify(p.padding)}`);
  if (p.stride.some((s) => s < 1)) throw new ValueError(`${op}: stride must be >= 1, got [${p.stride}]`);
  if (p.dilation.some((d) => d < 1)) throw new ValueError(`${op}: dilation must be >= 1, got [${p.dilation}]`);
  if (p.padding.some((q) => q[0] < 0 || q[1] < 0)) throw new ValueError(`${op}: padding must be >= 0, got ${JSON.stringify(p.padding)}`);
  if (p.groups < 1) throw new ValueError(`${op}: groups must be an integer >= 1, got ${p.groups}`);
}

/**
 * Checks an input shape [N, C, H, W] against a filter shape [O, C/groups, KH, KW] and returns the
 * output shape [N, O, OH, OW]. `xName`/`wName` say which arguments the shapes came from.
 */
export function conv2dShape(op: string, x: readonly number[], w: readonly number[], p: Conv2dParams, xName = "x (argument 0)", wName = "w (argument 1)"): number[] {
  checkGeometry(op, p);
  if (x.length !== 4) throw new ShapeError(`${op}: ${xName} must have rank 4 [N, C, H, W], got shape ${fmtShape(x)}`);
  if (w.length !== 4) throw new ShapeError(`${op}: ${wName} must have rank 4 [O, C/groups, KH, KW], got shape ${fmtShape(w)}`);
  const [n, c, h, wd] = x;
  const [out, cg, kh, kw] = w;
  const g = p.groups;
  if (c % g !== 0) throw new ShapeError(`${op}: groups = ${g} does not divide the ${c} input channels of ${xName} (shape ${fmtShape(x)})`);
  if (out % g !== 0) throw new ShapeError(`${op}: groups = ${g} does not divide the ${out} output channels of ${wName} (shape ${fmtShape(w)})`);
  if (cg !== c / g)
    throw new ShapeError(`${op}: channel mismatch: ${xName} of shape ${fmtShape(x)} has ${c} channels, so with groups = ${g} ${wName} needs ${c / g} in axis 1, but it has shape ${fmtShape(w)}`);
  if (kh < 1 || kw < 1) throw new ShapeError(`${op}: ${wName} has an empty kernel (shape ${fmtShape(w)})`);
  const oh = convOutSize(h, kh, p.stride[0], p.padding[0], p.dilation[0]);
  const ow = convOutSize(wd, kw, p.stride[1], p.padding[1], p.dilation[1]);
  if (oh < 1 || ow < 1) {
    const eh = p.dilation[0] * (kh - 1) + 1;
    const ew = p.dilation[1] * (kw - 1) + 1;
    throw new ShapeError(
      `${op}: the kernel (${kh}x${kw}, ${eh}x${ew} with dilation [${p.dilation}]) is larger than the padded input ` +
        `(${h + p.padding[0][0] + p.padding[0][1]}x${wd + p.padding[1][0] + p.padding[1][1]}: ${xName} shape ${fmtShape(x)}, padding ${JSON.stringify(p.padding)}); ` +
        `pad the input or use a smaller kernel`,
    );
  }
  return [n, out, oh, ow];
}

/** The geometry alone, so that derived primitives get params without a stale shape field. */
function geometry(p: Conv2dParams): Conv2dParams {
  return { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
}

function sumTerms(a: Tensor | null, b: Tensor | null): Tensor | null {
  return a && b ? o.add(a, b) : a ?? b;
}

function requireShape(op: string, got: Aval, want: readonly number[], what: string, why: string): void {
  if (got.shape.length !== want.length || got.shape.some((d, i) => d !== want[i]))
    throw new ShapeError(`${op}: ${what} has shape ${fmtShape(got.shape)} but ${why} gives ${fmtShape(want)}`);
}

/** Sample geometry: each differentiable primitive gets the same cases. */
interface ConvCase {
  label: string;
  x: number[];
  w: number[];
  p: Conv2dParams;
}
const P = (stride: [number, number], padding: [[number, number], [number, number]], dilation: [number, number], groups: number): Conv2dParams => ({ stride, padding, dilation, groups });
const CASES: ConvCase[] = [
  { label: "basic", x: [2, 2, 4, 4], w: [3, 2, 2, 3], p: P([1, 1], [[0, 0], [0, 0]], [1, 1], 1) },
  { label: "stride 2, padding 1", x: [1, 2, 5, 5], w: [2, 2, 3, 3], p: P([2, 2], [[1, 1], [1, 1]], [1, 1], 1) },
  { label: "dilation 2", x: [1, 1, 5, 6], w: [2, 1, 2, 2], p: P([1, 1], [[0, 0], [0, 0]], [2, 2], 1) },
  { label: "groups 2", x: [1, 4, 4, 4], w: [4, 2, 2, 2], p: P([1, 1], [[0, 0], [0, 0]], [1, 1], 2) },
  // The last input row lies past the last window, so it gets no gradient.
  { label: "asymmetric padding, stride [2, 1], a row left over", x: [1, 2, 7, 4], w: [2, 2, 3, 2], p: P([2, 1], [[1, 0], [2, 1]], [1, 2], 1) },
];

function convSamples<P>(make: (c: ConvCase) => Sample<P>): [Sample<P>, ...Sample<P>[]] {
  const [first, ...rest] = CASES.map(make);
  return [first, ...rest];
}

/** x [N, C, H, W] (*) w [O, C/groups, KH, KW] -> [N, O, OH, OW] (cross-correlation, as in every DL library). */
export const conv2d: DifferentiablePrimitive<Conv2dParams> = {
  name: "conv2d",
  differentiable: true,
  infer: ([x, w], p) => {
    const dtype = sameDType("conv2d", [x, w]);
    requireFloat("conv2d", x);
    return { shape: conv2dShape("conv2d", x.shape, w.shape, p), dtype };
  },
  jvp: ([x, w], [tx, tw], p) => sumTerms(tx && o.conv2dPrim(tx, w, p), tw && o.conv2dPrim(x, tw, p)),
  vjp: (g, [x, w], p, _out, needs) => [
    needs[0] ? o.conv2dGradInputPrim(g, w, { ...geometry(p), inputShape: [...x.shape] }) : null,
    needs[1] ? o.conv2dGradFilterPrim(x, g, { ...geometry(p), filterShape: [...w.shape] }) : null,
  ],
  samples: convSamples((c) => ({ label: c.label, args: [{ shape: c.x }, { shape: c.w }], params: c.p })),
};

/** The transpose of conv2d in x: (g [N, O, OH, OW], w) -> [N, C, H, W] = inputShape. */
export const conv2dGradInput: DifferentiablePrimitive<Conv2dGradInputParams> = {
  name: "conv2dGradInput",
  differentiable: true,
  infer: ([g, w], p) => {
    const dtype = sameDType("conv2dGradInput", [g, w]);
    requireFloat("conv2dGradInput", g);
    requireRank("conv2dGradInput", g, 4, "the output gradient g (argument 0)");
    const want = conv2dShape("conv2dGradInput", p.inputShape, w.shape, p, "inputShape", "w (argument 1)");
    requireShape("conv2dGradInput", g, want, "the output gradient g (argument 0)", `conv2d of input shape ${fmtShape(p.inputShape)} with filter ${fmtShape(w.shape)}`);
    return { shape: [...p.inputShape], dtype };
  },
  jvp: ([g, w], [tg, tw], p) => sumTerms(tg && o.conv2dGradInputPrim(tg, w, p), tw && o.conv2dGradInputPrim(g, tw, p)),
  // <c, GI(g, w)> = <conv2d(c, w), g>, so d/dg = conv2d(c, w) and d/dw = GF(c, g).
  vjp: (c, [g, w], p, _out, needs) => [
    needs[0] ? o.conv2dPrim(c, w, geometry(p)) : null,
    needs[1] ? o.conv2dGradFilterPrim(c, g, { ...geometry(p), filterShape: [...w.shape] }) : null,
  ],
  samples: convSamples((c) => ({ label: c.label, args: [{ shape: conv2dShape("sample", c.x, c.w, c.p) }, { shape: c.w }], params: { ...c.p, inputShape: c.x } })),
};

/** The transpose of conv2d in w: (x [N, C, H, W], g [N, O, OH, OW]) -> [O, C/groups, KH, KW] = filterShape. */
export const conv2dGradFilter: DifferentiablePrimitive<Conv2dGradFilterParams> = {
  name: "conv2dGradFilter",
  differentiable: true,
  infer: ([x, g], p) => {
    const dtype = sameDType("conv2dGradFilter", [x, g]);
    requireFloat("conv2dGradFilter", x);
    requireRank("conv2dGradFilter", g, 4, "the output gradient g (argument 1)");
    const want = conv2dShape("conv2dGradFilter", x.shape, p.filterShape, p, "x (argument 0)", "filterShape");
    requireShape("conv2dGradFilter", g, want, "the output gradient g (argument 1)", `conv2d of input shape ${fmtShape(x.shape)} with filter ${fmtShape(p.filterShape)}`);
    return { shape: [...p.filterShape], dtype };
  },
  jvp: ([x, g], [tx, tg], p) => sumTerms(tx && o.conv2dGradFilterPrim(tx, g, p), tg && o.conv2dGradFilterPrim(x, tg, p)),
  // <c, GF(x, g)> = <conv2d(x, c), g>, so d/dx = GI(g, c) and d/dg = conv2d(x, c).
  vjp: (c, [x, g], p, _out, needs) => [
    needs[0] ? o.conv2dGradInputPrim(g, c, { ...geometry(p), inputShape: [...x.shape] }) : null,
    needs[1] ? o.conv2dPrim(x, c, geometry(p)) : null,
  ],
  samples: convSamples((c) => ({ label: c.label, args: [{ shape: c.x }, { shape: conv2dShape("sample", c.x, c.w, c.p) }], params: { ...c.p, filterShape: c.w } })),
};

/** Window geometry of maxPool2dArgmax (no padding: the public maxPool2d pads with -Infinity first). */
export interface PoolWindowParams {
  /** [KH, KW], each >= 1. */
  kernelSize: [number, number];
  /** [sh, sw], each >= 1. */
  stride: [number, number];
  /** [dh, dw], each >= 1. */
  dilation: [number, number];
}

/** Output [N, C, OH, OW] of sliding a window over x [N, C, H, W] without padding. */
export function poolShape(op: string, x: readonly number[], p: PoolWindowParams): number[] {
  const all = [...p.kernelSize, ...p.stride, ...p.dilation];
  if (p.kernelSize.length !== 2 || p.stride.length !== 2 || p.dilation.length !== 2 || all.some((v) => !Number.isInteger(v) || v < 1))
    throw new ValueError(`${op}: kernelSize, stride and dilation need two integers >= 1, got kernelSize [${p.kernelSize}], stride [${p.stride}], dilation [${p.dilation}]`);
  if (x.length !== 4) throw new ShapeError(`${op}: x (argument 0) must have rank 4 [N, C, H, W], got shape ${fmtShape(x)}`);
  const oh = convOutSize(x[2], p.kernelSize[0], p.stride[0], [0, 0], p.dilation[0]);
  const ow = convOutSize(x[3], p.kernelSize[1], p.stride[1], [0, 0], p.dilation[1]);
  if (oh < 1 || ow < 1)
    throw new ShapeError(`${op}: the window ${p.kernelSize[0]}x${p.kernelSize[1]} (dilation [${p.dilation}]) is larger than the (padded) input x of shape ${fmtShape(x)}`);
  return [x[0], x[1], oh, ow];
}

/**
 * For each window of x [N, C, H, W], the int32 flat index h * W + w of its largest element within the
 * (n, c) plane; the first one in row-major window order on ties; the first NaN when a window holds NaN.
 * Window (i, j) covers rows i*sh + a*dh and columns j*sw + b*dw for a < KH, b < KW.
 */
export const maxPool2dArgmax: NonDifferentiablePrimitive<PoolWindowParams> = {
  name: "maxPool2dArgmax",
  differentiable: false,
  reason: "its output is an int32 index (maxPool2d gathers with it, and the gather carries the derivative)",
  infer: ([x], p) => {
    requireFloat("maxPool2dArgmax", x);
    return { shape: poolShape("maxPool2dArgmax", x.shape, p), dtype: "int32" };
  },
  samples: [
    { label: "2x2 windows", args: [{ shape: [2, 2, 4, 4] }], params: { kernelSize: [2, 2], stride: [2, 2], dilation: [1, 1] } },
    { label: "overlapping 3x2, stride 1", args: [{ shape: [1, 2, 4, 5] }], params: { kernelSize: [3, 2], stride: [1, 1], dilation: [1, 1] } },
    { label: "dilation 2, stride [1, 2]", args: [{ shape: [1, 1, 5, 6] }], params: { kernelSize: [2, 2], stride: [1, 2], dilation: [2, 2] } },
    {
      label: "ties pick the first",
      args: [{ shape: [1, 1, 3, 3], values: [1, 3, 3, 3, 3, 0, -1, -1, -1] }],
      params: { kernelSize: [2, 2], stride: [1, 1], dilation: [1, 1] },
    },
    {
      label: "NaN wins, -Infinity windows pick the first",
      args: [{ shape: [1, 1, 2, 4], values: [1, NaN, -Infinity, -Infinity, 5, NaN, -Infinity, -Infinity] }],
      params: { kernelSize: [2, 2], stride: [1, 2], dilation: [1, 1] },
    },
  ],
};
