/**
 * Convolution and pooling layers over images [N, C, H, W] (per-sample shape [C, H, W]), built on
 * gn.conv2d, gn.maxPool2d and gn.avgPool2d (see docs/design/003-conv.md for padding rules).
 */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { avgPool2d as avgPoolOp, conv2d as convOp, maxPool2d as maxPoolOp, type Padding2, type Size2 } from "../ops/nn.js";
import { mean } from "../ops/reduce.js";
import * as random from "../random/index.js";
import { type InitName, computeFans, getInitializer } from "./init.js";
import { type Layer, type ParamDType, NO_STATE, param, paramDType, positiveInt } from "./layer.js";

type Pair = [number, number];

function pair(op: string, name: string, v: Size2): Pair {
  const p: Pair = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if ((typeof v !== "number" && (!Array.isArray(v) || v.length !== 2)) || p.some((d) => !Number.isInteger(d) || d < 1))
    throw new ValueError(`${op}: ${name} must be an integer >= 1 or a pair [height, width] of them, got ${JSON.stringify(v)}`);
  return p;
}

/** Output size along one axis, the rule gn.conv2d and the pooling ops use (floor; "same" = ceil(in / stride)). */
function outSize(inSize: number, kernel: number, stride: number, dilation: number, padding: Padding2, axis: 0 | 1): number {
  if (padding === "same") return Math.ceil(inSize / stride);
  let before = 0;
  let after = 0;
  if (typeof padding === "number") before = after = padding;
  else if (padding !== "valid") {
    const p = padding[axis];
    if (typeof p === "number") before = after = p;
    else [before, after] = p;
  }
  return Math.floor((inSize + before + after - dilation * (kernel - 1) - 1) / stride) + 1;
}

function spatialOut(name: string, s: readonly number[], channels: number | null, kernel: Pair, stride: Pair, dilation: Pair, padding: Padding2, outChannels: number | null): number[] {
  if (s.length !== 3 || (channels !== null && s[0] !== channels))
    throw new ShapeError(`${name}: the per-sample input shape ${fmtShape(s)} must be [${channels ?? "C"}, H, W]`);
  const oh = outSize(s[1], kernel[0], stride[0], dilation[0], padding, 0);
  const ow = outSize(s[2], kernel[1], stride[1], dilation[1], padding, 1);
  if (oh < 1 || ow < 1) throw new ShapeError(`${name}: the window does not fit the input ${fmtShape(s)} (output would be ${oh} x ${ow}); use a smaller kernel or more padding`);
  return [outChannels ?? s[0], oh, ow];
}

function checkImages(name: string, x: Tensor, channels: number | null): void {
  if (x.ndim !== 4 || (channels !== null && x.shape[1] !== channels))
    throw new ShapeError(`${name}: input has shape ${fmtShape(x.shape)}; expected images [N, ${channels ?? "C"}, H, W]`);
}

function paddingArg(op: string, p: unknown): Padding2 {
  const ok = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
  if (p === "same" || p === "valid" || ok(p)) return p as Padding2;
  if (Array.isArray(p) && p.length === 2 && (p.every(ok) || p.every((q) => Array.isArray(q) && q.length === 2 && q.every(ok))))
    return JSON.parse(JSON.stringify(p)) as Padding2;
  throw new ValueError(`${op}: padding must be "same", "valid", an integer >= 0, [ph, pw] or [[top, bottom], [left, right]], got ${JSON.stringify(p)}`);
}

/** JSON description of a Conv2d layer. */
export interface Conv2dSpec {
  type: "conv2d";
  in: number;
  out: number;
  kernelSize: Pair;
  stride: Pair;
  padding: Padding2;
  dilation: Pair;
  groups: number;
  bias: boolean;
  init: InitName;
  biasInit: InitName;
  dtype: ParamDType;
}

/** Options of the conv2d layer. */
export interface Conv2dLayerOptions {
  /** Step between windows (default 1). */
  stride?: Size2;
  /** Zero padding (default 0): a number, [ph, pw], [[top, bottom], [left, right]], "same" or "valid". */
  padding?: Padding2;
  /** Spacing between kernel taps (default 1). */
  dilation?: Size2;
  /** Channel groups (default 1); must divide `in` and `out`. */
  groups?: number;
  /** Add a per-channel bias (default true). */
  bias?: boolean;
  /** Kernel initialiser (default "glorotUniform"; "heNormal"/"heUniform" suit ReLU networks). */
  init?: InitName;
  /** Bias initialiser (default "zeros"). */
  biasInit?: InitName;
  /** Parameter dtype (default float32). */
  dtype?: ParamDType;
}

/**
 * A 2-D convolution layer: [N, in, H, W] -> [N, out, OH, OW] (cross-correlation, as PyTorch's Conv2d).
 * Parameters `{ w, b }`: w of shape [out, in / groups, KH, KW], b of shape [out]. Initialiser fans:
 * fanIn = in / groups * KH * KW, fanOut = out * KH * KW.
 * @example
 * const conv = gn.nn.conv2d(1, 8, 3, { padding: 1 });
 * conv.outputShape([1, 28, 28]); // [8, 28, 28]
 */
export function conv2d(inChannels: number, outChannels: number, kernelSize: Size2, opts: Conv2dLayerOptions = {}): Layer<Conv2dSpec> {
  const op = "nn.conv2d";
  const spec: Conv2dSpec = {
    type: "conv2d",
    in: positiveInt(op, "in", inChannels),
    out: positiveInt(op, "out", outChannels),
    kernelSize: pair(op, "kernelSize", kernelSize),
    stride: pair(op, "stride", opts.stride ?? 1),
    padding: paddingArg(op, opts.padding ?? 0),
    dilation: pair(op, "dilation", opts.dilation ?? 1),
    groups: positiveInt(op, "groups", opts.groups ?? 1),
    bias: opts.bias ?? true,
    init: opts.init ?? "glorotUniform",
    biasInit: opts.biasInit ?? "zeros",
    dtype: paramDType(op, opts.dtype),
  };
  if (spec.in % spec.groups !== 0 || spec.out % spec.groups !== 0)
    throw new ValueError(`${op}: groups ${spec.groups} must divide both in (${spec.in}) and out (${spec.out})`);
  const wInit = getInitializer(spec.init, op);
  const bInit = getInitializer(spec.biasInit, op);
  const wShape = [spec.out, spec.in / spec.groups, ...spec.kernelSize];
  const fans = computeFans(wShape);
  const extras = [
    spec.stride.some((d) => d !== 1) ? `stride ${spec.stride.join("x")}` : "",
    spec.padding !== 0 && spec.padding !== "valid" ? `padding ${JSON.stringify(spec.padding)}` : "",
    spec.dilation.some((d) => d !== 1) ? `dilation ${spec.dilation.join("x")}` : "",
    spec.groups !== 1 ? `groups ${spec.groups}` : "",
  ].filter(Boolean);
  const name = `Conv2d(${spec.in} -> ${spec.out}, ${spec.kernelSize.join("x")}${extras.length ? ", " + extras.join(", ") : ""})`;
  const outputShape = (s: readonly number[]) => spatialOut(name, s, spec.in, spec.kernelSize, spec.stride, spec.dilation, spec.padding, spec.out);
  return {
    name,
    spec,
    init(key, inputShape) {
      if (inputShape) outputShape(inputShape);
      const [kw, kb] = random.split(key);
      const w = wInit(kw, wShape, { ...fans, dtype: spec.dtype });
      return { params: spec.bias ? { w, b: bInit(kb, [spec.out], { ...fans, dtype: spec.dtype }) } : { w }, state: NO_STATE };
    },
    apply(params, x) {
      checkImages(name, x, spec.in);
      const y = convOp(x, param(op, params, "w"), {
        stride: spec.stride,
        padding: spec.padding,
        dilation: spec.dilation,
        groups: spec.groups,
        bias: spec.bias ? param(op, params, "b") : undefined,
      });
      return { y, state: NO_STATE };
    },
    outputShape,
  };
}

/** JSON description of a MaxPool2d layer. */
export interface MaxPool2dSpec {
  type: "maxPool2d";
  kernelSize: Pair;
  stride: Pair;
  padding: Padding2;
  dilation: Pair;
}

/**
 * Max pooling layer (gn.maxPool2d): windows of `kernelSize`, stride defaulting to the window (no
 * overlap), padding counted as -Infinity (at most half a window per side). No parameters or state.
 * @example gn.nn.maxPool2d(2).outputShape([8, 28, 28]) // [8, 14, 14]
 */
export function maxPool2d(kernelSize: Size2, opts: { stride?: Size2; padding?: Padding2; dilation?: Size2 } = {}): Layer<MaxPool2dSpec> {
  const op = "nn.maxPool2d";
  const k = pair(op, "kernelSize", kernelSize);
  const spec: MaxPool2dSpec = { type: "maxPool2d", kernelSize: k, stride: pair(op, "stride", opts.stride ?? k), padding: paddingArg(op, opts.padding ?? 0), dilation: pair(op, "dilation", opts.dilation ?? 1) };
  return poolLayer("MaxPool2d", spec, spec.dilation, (x) => maxPoolOp(x, { kernelSize: spec.kernelSize, stride: spec.stride, padding: spec.padding, dilation: spec.dilation }));
}

/** JSON description of an AvgPool2d layer. */
export interface AvgPool2dSpec {
  type: "avgPool2d";
  kernelSize: Pair;
  stride: Pair;
  padding: Padding2;
  countIncludePad: boolean;
}

/**
 * Average pooling layer (gn.avgPool2d): windows of `kernelSize`, stride defaulting to the window;
 * padding counts as zeros, divided by the full window unless `countIncludePad` is false. No parameters.
 * @example gn.nn.avgPool2d(2).outputShape([8, 28, 28]) // [8, 14, 14]
 */
export function avgPool2d(kernelSize: Size2, opts: { stride?: Size2; padding?: Padding2; countIncludePad?: boolean } = {}): Layer<AvgPool2dSpec> {
  const op = "nn.avgPool2d";
  const k = pair(op, "kernelSize", kernelSize);
  const spec: AvgPool2dSpec = { type: "avgPool2d", kernelSize: k, stride: pair(op, "stride", opts.stride ?? k), padding: paddingArg(op, opts.padding ?? 0), countIncludePad: opts.countIncludePad ?? true };
  return poolLayer("AvgPool2d", spec, [1, 1], (x) => avgPoolOp(x, { kernelSize: spec.kernelSize, stride: spec.stride, padding: spec.padding, countIncludePad: spec.countIncludePad }));
}

/** A parameter-free pooling layer over [N, C, H, W] (or [C, H, W]) images: its name, shape rule and apply. */
function poolLayer<S extends MaxPool2dSpec | AvgPool2dSpec>(kind: string, spec: S, dilation: Pair, pool: (x: Tensor) => Tensor): Layer<S> {
  const k = spec.kernelSize;
  const name = `${kind}(${k.join("x")}${spec.stride[0] !== k[0] || spec.stride[1] !== k[1] ? `, stride ${spec.stride.join("x")}` : ""})`;
  const outputShape = (s: readonly number[]) => spatialOut(name, s, null, spec.kernelSize, spec.stride, dilation, spec.padding, null);
  return {
    name,
    spec,
    init: (_key, inputShape) => {
      if (inputShape) outputShape(inputShape);
      return { params: {}, state: NO_STATE };
    },
    apply(_params, x) {
      checkImages(name, x, null);
      return { y: pool(x), state: NO_STATE };
    },
    outputShape,
  };
}

/** JSON description of a GlobalAvgPool2d layer. */
export interface GlobalAvgPool2dSpec {
  type: "globalAvgPool2d";
}

/**
 * Global average pooling: the mean of each channel over H and W, [N, C, H, W] -> [N, C].
 * @example gn.nn.globalAvgPool2d().outputShape([16, 7, 7]) // [16]
 */
export function globalAvgPool2d(): Layer<GlobalAvgPool2dSpec> {
  const name = "GlobalAvgPool2d";
  return {
    name,
    spec: { type: "globalAvgPool2d" },
    init: () => ({ params: {}, state: NO_STATE }),
    apply(_params, x) {
      checkImages(name, x, null);
      return { y: mean(x, [2, 3]), state: NO_STATE };
    },
    outputShape(s) {
      if (s.length !== 3) throw new ShapeError(`${name}: the per-sample input shape ${fmtShape(s)} must be [C, H, W]`);
      return [s[0]];
    },
  };
}
