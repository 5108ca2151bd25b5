/**
 * Convolution and pooling over NCHW images. conv2d binds the conv2d primitive (src/ops/prims/conv.ts);
 * maxPool2d and avgPool2d are composites with no derivative code of their own.
 */
import { promoteTypes, toFloat, isFloat, type DType } from "../core/dtype.js";
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { bind } from "../engine/trace.js";
import { temporary } from "../engine/scope.js";
import { conv2dShape, poolShape, type Conv2dParams } from "./prims/conv.js";
import { full, tensor } from "./creation.js";
import { add, cast, div } from "./elementwise.js";
import { takeAlongAxis } from "./indexing.js";
import { pad, reshape } from "./shape.js";

/** One integer for both spatial axes, or [height, width]. */
export type Size2 = number | readonly [number, number];

/**
 * Spatial padding: one number for every side; [ph, pw] (ph above and below, pw left and right);
 * explicit [[top, bottom], [left, right]]; "valid" (none); or "same" (TensorFlow's rule: the output
 * has ceil(in / stride) rows and columns, and an odd total padding puts the extra row or column at
 * the bottom or right).
 */
export type Padding2 = number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]] | "same" | "valid";

type Pairs = [[number, number], [number, number]];

function size2(op: string, name: string, v: Size2): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if ((typeof v !== "number" && v.length !== 2) || p.some((d) => !Number.isInteger(d) || d < 1))
    throw new ValueError(`${op}: ${name} must be an integer >= 1 or a pair [height, width] of them, got ${JSON.stringify(v)}`);
  return p;
}

/** Resolves any Padding2 to [[top, bottom], [left, right]] for an input of spatial size `inSize`. */
function resolvePadding(op: string, padding: Padding2, inSize: readonly number[], kernel: readonly number[], stride: readonly number[], dilation: readonly number[]): Pairs {
  let pairs: Pairs;
  if (padding === "valid") pairs = [[0, 0], [0, 0]];
  else if (padding === "same") {
    pairs = [0, 1].map((i) => {
      const out = Math.ceil(inSize[i] / stride[i]);
      const total = Math.max(0, (out - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 - inSize[i]);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    }) as Pairs;
  } else if (typeof padding === "number") pairs = [[padding, padding], [padding, padding]];
  else if (Array.isArray(padding) && padding.length === 2 && typeof padding[0] === "number" && typeof padding[1] === "number")
    pairs = [[padding[0], padding[0]], [padding[1], padding[1]]];
  else if (Array.isArray(padding) && padding.length === 2 && padding.every((q) => Array.isArray(q) && q.length === 2)) {
    const [rows, cols] = padding as readonly (readonly [number, number])[];
    pairs = [[rows[0], rows[1]], [cols[0], cols[1]]];
  }
  else pairs = [[NaN, NaN], [NaN, NaN]];
  if (pairs.flat().some((v) => !Number.isInteger(v) || v < 0))
    throw new ValueError(`${op}: padding must be "same", "valid", an integer >= 0, [ph, pw] or [[top, bottom], [left, right]] of them, got ${JSON.stringify(padding)}`);
  return pairs;
}

/**
 * Accepts [N, C, H, W], or [C, H, W] as a batch of one (a view that is the op's temporary); `finish`
 * removes the added batch axis again.
 */
function asBatch(op: string, x: Tensor): [Tensor, (y: Tensor) => Tensor] {
  if (x.ndim === 4) return [x, (y) => y];
  if (x.ndim === 3) return [temporary(reshape(x, [1, ...x.shape])), dropBatchAxis];
  throw new ShapeError(`${op}: x must have shape [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
}

/** y [1, ...] as [...]; a concrete y is the op's own result, kept only through the view. */
function dropBatchAxis(y: Tensor): Tensor {
  const out = reshape(y, y.shape.slice(1));
  if (y._trace === null) y.dispose();
  return out;
}

function asFloat(x: Tensor): Tensor {
  return isFloat(x.dtype) ? x : temporary(cast(x, toFloat(x.dtype)));
}

/** `x` converted to `dtype`; a converted copy is the op's temporary. */
function asDType(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : temporary(cast(x, dtype));
}

/**
 * Frees the temporaries an op made once its result is concrete: no tape holds them then (a view of
 * one keeps its storage). `keep` lists the op's inputs and result, which an op may pass through
 * unchanged (a cast to the same dtype, a reshape to the same shape). Under a transform, `temporary`
 * recorded them for the transform to free instead.
 */
function freeWhenConcrete(result: Tensor, made: readonly Tensor[], keep: readonly Tensor[]): void {
  if (result._trace !== null) return;
  for (const t of made) if (t !== result && !keep.includes(t)) t.dispose();
}

export interface Conv2dOptions {
  /** Step between windows: a number or [sh, sw] (default 1). */
  stride?: Size2;
  /** Zero padding (default "valid", i.e. none); see `Padding2`. */
  padding?: Padding2;
  /** Spacing between filter taps: a number or [dh, dw] (default 1). */
  dilation?: Size2;
  /** Split channels into independent groups (default 1; groups = C with w of shape [C*m, 1, KH, KW] is a depthwise convolution). */
  groups?: number;
  /** Optional bias of shape [O], added to every output position of channel o. */
  bias?: Tensor;
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch and TensorFlow) of x [N, C, H, W] (or [C, H, W])
 * with filters w [O, C/groups, KH, KW], giving [N, O, OH, OW] (or [O, OH, OW]) where
 * OH = floor((H + top + bottom - dilation*(KH-1) - 1) / stride) + 1, and likewise OW. Padding is zeros.
 * Differentiable in x, w and bias to any order. Integer inputs become float32; x and w are promoted to
 * a common float dtype. NaN and infinity propagate into every output whose window touches them
 * (0 * Infinity is NaN, as in IEEE arithmetic).
 *
 * Throws a ShapeError when the channels do not match, groups does not divide both channel counts, or
 * the kernel is larger than the padded input; a ValueError for a bad stride, dilation or padding.
 *
 * @example
 * const x = gn.arange(16).reshape([1, 1, 4, 4]);
 * const w = gn.ones([1, 1, 2, 2]);
 * gn.conv2d(x, w, { stride: 2 }).toArray(); // [[[[10, 18], [42, 50]]]]
 * gn.conv2d(x, w, { padding: "same" }).shape; // [1, 1, 4, 4]
 */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  const [xb, finish] = asBatch("conv2d", x);
  if (w.ndim !== 4) throw new ShapeError(`conv2d: w must have shape [O, C/groups, KH, KW], got ${fmtShape(w.shape)}`);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`conv2d: groups must be an integer >= 1, got ${groups}`);
  const stride = size2("conv2d", "stride", opts.stride ?? 1);
  const dilation = size2("conv2d", "dilation", opts.dilation ?? 1);
  const padding = resolvePadding("conv2d", opts.padding ?? "valid", xb.shape.slice(2), w.shape.slice(2), stride, dilation);
  const dtype = toFloat(promoteTypes(xb.dtype, w.dtype));
  const params: Conv2dParams = { stride, padding, dilation, groups };
  const xc = asDType(xb, dtype);
  const wc = asDType(w, dtype);
  let y = bind("conv2d", [xc, wc], params);
  const made = [xb, xc, wc];
  if (opts.bias !== undefined) {
    const b = opts.bias;
    if (b.ndim !== 1 || b.shape[0] !== w.shape[0])
      throw new ShapeError(`conv2d: bias must have shape [${w.shape[0]}] (one per output channel of w ${fmtShape(w.shape)}), got ${fmtShape(b.shape)}`);
    const bf = asFloat(b);
    const column = temporary(reshape(bf, [b.shape[0], 1, 1]));
    const unbiased = y;
    y = add(unbiased, column);
    made.push(bf, column, unbiased);
  }
  freeWhenConcrete(y, made, [x, w, opts.bias ?? x]);
  return finish(y);
}

export interface MaxPool2dOptions {
  /** Window size: a number or [KH, KW]. */
  kernelSize: Size2;
  /** Step between windows (default: kernelSize, so windows do not overlap). */
  stride?: Size2;
  /** Padding (default "valid"); each side may be at most half the window size, as in PyTorch. */
  padding?: Padding2;
  /** Spacing between window taps (default 1). */
  dilation?: Size2;
}

function checkHalfKernel(op: string, padding: Pairs, kernel: readonly number[]): void {
  for (let i = 0; i < 2; i++)
    if (padding[i][0] > kernel[i] / 2 || padding[i][1] > kernel[i] / 2)
      throw new ValueError(`${op}: padding ${JSON.stringify(padding)} is more than half the window size [${kernel}] (windows would hold only padding); use less padding or a larger window`);
}

/**
 * Max pooling over windows of x [N, C, H, W] (or [C, H, W]); padding counts as -Infinity.
 * The derivative flows to the first largest element of each window in row-major order (as in
 * PyTorch; gn.max instead splits it between ties). A window holding NaN gives NaN, and its derivative
 * flows to the first NaN. Integer inputs become float32. Composite: an argmax per window and a gather,
 * so it is differentiable to any order.
 *
 * Throws a ShapeError when the window is larger than the padded input; a ValueError for a bad window,
 * stride or padding (each side at most half the window).
 *
 * @example
 * const x = gn.tensor([[[[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [0, 9, 2, 3]]]]);
 * gn.maxPool2d(x, { kernelSize: 2 }).toArray(); // [[[[4, 5], [9, 3]]]]
 */
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor {
  const xf = asFloat(x);
  const [xb, finish] = asBatch("maxPool2d", xf);
  const kernelSize = size2("maxPool2d", "kernelSize", opts.kernelSize);
  const stride = size2("maxPool2d", "stride", opts.stride ?? kernelSize);
  const dilation = size2("maxPool2d", "dilation", opts.dilation ?? 1);
  const padding = resolvePadding("maxPool2d", opts.padding ?? "valid", xb.shape.slice(2), kernelSize, stride, dilation);
  checkHalfKernel("maxPool2d", padding, kernelSize);
  const xp = pad(xb, [[0, 0], [0, 0], ...padding], -Infinity);
  poolShape("maxPool2d", xp.shape, { kernelSize, stride, dilation });
  const idx = bind("maxPool2dArgmax", [xp], { kernelSize, stride, dilation });
  const [n, c, h, w] = xp.shape;
  const [, , oh, ow] = idx.shape;
  // The window argmax is a constant even inside a transform (no derivative), and so is its flat view
  // (a view of a constant is not recorded, and would keep the indices alive).
  const idxFlat = temporary(reshape(idx, [n, c, oh * ow]));
  const xFlat = reshape(xp, [n, c, h * w]);
  const picked = takeAlongAxis(xFlat, idxFlat, 2);
  const y = reshape(picked, [n, c, oh, ow]);
  // y is a view of picked's storage and keeps it.
  freeWhenConcrete(y, [idxFlat, idx, xFlat, picked, xp, xb, xf], [x]);
  return finish(y);
}

export interface AvgPool2dOptions {
  /** Window size: a number or [KH, KW]. */
  kernelSize: Size2;
  /** Step between windows (default: kernelSize). */
  stride?: Size2;
  /** Zero padding (default "valid"); each side may be at most half the window size, as in PyTorch. */
  padding?: Padding2;
  /** Divide by the full window size, padding included (default true, as in PyTorch); false divides by the number of real elements. */
  countIncludePad?: boolean;
}

/** How many taps of each window along one axis land inside the input. */
function realTaps(inSize: number, outSize: number, kernel: number, stride: number, before: number): number[] {
  return Array.from({ length: outSize }, (_, i) => {
    const start = i * stride - before;
    return Math.min(inSize, start + kernel) - Math.max(0, start);
  });
}

/**
 * Average pooling over windows of x [N, C, H, W] (or [C, H, W]). Padding counts as zeros; with
 * countIncludePad (default) the divisor is always KH*KW, otherwise the number of real elements in the
 * window. NaN and infinity propagate into the windows that hold them. Integer inputs become float32.
 * Composite (a convolution with a constant filter), so it is differentiable to any order.
 *
 * Throws a ShapeError when the window is larger than the padded input; a ValueError for a bad window,
 * stride or padding (each side at most half the window).
 *
 * @example
 * const x = gn.arange(16).reshape([1, 1, 4, 4]);
 * gn.avgPool2d(x, { kernelSize: 2 }).toArray(); // [[[[2.5, 4.5], [10.5, 12.5]]]]
 * gn.avgPool2d(gn.ones([1, 3, 3]), { kernelSize: 2, stride: 1, padding: 1, countIncludePad: false }).toArray()[0][0]; // [1, 1, 1, 1]
 */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor {
  const xf = asFloat(x);
  const [xb, finish] = asBatch("avgPool2d", xf);
  const kernelSize = size2("avgPool2d", "kernelSize", opts.kernelSize);
  const stride = size2("avgPool2d", "stride", opts.stride ?? kernelSize);
  const padding = resolvePadding("avgPool2d", opts.padding ?? "valid", xb.shape.slice(2), kernelSize, stride, [1, 1]);
  checkHalfKernel("avgPool2d", padding, kernelSize);
  const [n, c, h, w] = xb.shape;
  const [kh, kw] = kernelSize;
  const params: Conv2dParams = { stride, padding, dilation: [1, 1], groups: 1 };
  // Every channel is pooled alike: fold the channels into the batch and convolve with one filter.
  const planes = reshape(xb, [n * c, 1, h, w]);
  const outShape = conv2dShape("avgPool2d", planes.shape, [1, 1, kh, kw], params, "x (as [N*C, 1, H, W])", "the window");
  const [, , oh, ow] = outShape;
  const countIncludePad = opts.countIncludePad ?? true;
  const filter = temporary(full([1, 1, kh, kw], countIncludePad ? 1 / (kh * kw) : 1, { dtype: xb.dtype }));
  let y = bind("conv2d", [planes, filter], params);
  const made = [xf, xb, planes, filter, y];
  if (!countIncludePad) {
    const rows = realTaps(h, oh, kh, stride[0], padding[0][0]);
    const cols = realTaps(w, ow, kw, stride[1], padding[1][0]);
    const counts = temporary(tensor(rows.map((r) => cols.map((q) => r * q)), { dtype: xb.dtype }));
    y = div(y, counts);
    made.push(counts, y);
  }
  const out = reshape(y, [n, c, oh, ow]);
  // out is a view of y's storage and keeps it.
  freeWhenConcrete(out, made, [x]);
  return finish(out);
}
