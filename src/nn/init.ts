/**
 * Weight initialisers, driven by explicit `gn.random` keys (the same key gives the same weights on
 * every platform). Each takes `(key, shape, opts)` and returns a new tensor; the fans that set the
 * scale are taken from `opts` when given, otherwise from the shape (see `computeFans`).
 *
 * Variances (n_in = fanIn, n_out = fanOut, g = gain, default 1):
 * - glorotUniform: U(-a, a), a = g sqrt(6 / (n_in + n_out)), variance g^2 2 / (n_in + n_out)
 * - glorotNormal:  N(0, s^2), s = g sqrt(2 / (n_in + n_out))
 * - heUniform:     U(-a, a), a = g sqrt(6 / n_in), variance g^2 2 / n_in
 * - heNormal:      N(0, s^2), s = g sqrt(2 / n_in)
 * - lecunNormal:   N(0, s^2), s = g sqrt(1 / n_in)
 * Normal initialisers are plain (untruncated) normals, as in PyTorch.
 */
import type { DType } from "../core/dtype.js";
import { ValueError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { full } from "../ops/creation.js";
import * as random from "../random/index.js";

/** Options every initialiser accepts. */
export interface InitOptions {
  /** Number of inputs feeding each output unit (default from the shape, see `computeFans`). */
  fanIn?: number;
  /** Number of outputs each input unit feeds (default from the shape). */
  fanOut?: number;
  /** Multiplies the standard deviation (e.g. sqrt(2) for ReLU with a Glorot rule). Default 1. */
  gain?: number;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/** An initialiser: a pure function of a key and a shape. */
export type Initializer = (key: random.Key, shape: readonly number[], opts?: InitOptions) => Tensor;

/**
 * The fans of a weight tensor, for the layouts gradnav's layers use: a 2-D Linear weight is
 * [in, out] (fanIn = shape[0], fanOut = shape[1]); a convolution kernel of 3 or more axes is
 * [out, in, ...kernel] (fanIn = in * prod(kernel), fanOut = out * prod(kernel)); a 1-D or 0-D
 * tensor has fanIn = fanOut = its size.
 * @example gn.nn.computeFans([30, 64]) // { fanIn: 30, fanOut: 64 }
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    const n = shape.length === 0 ? 1 : shape[0];
    return { fanIn: n, fanOut: n };
  }
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function fans(op: string, shape: readonly number[], opts: InitOptions): { fanIn: number; fanOut: number } {
  const d = computeFans(shape);
  const fanIn = opts.fanIn ?? d.fanIn;
  const fanOut = opts.fanOut ?? d.fanOut;
  if (!(fanIn > 0) || !(fanOut > 0))
    throw new ValueError(`nn.${op}: fans must be positive, got fanIn ${fanIn} and fanOut ${fanOut} for shape ${fmtShape(shape)}; pass fanIn/fanOut explicitly for empty shapes`);
  return { fanIn, fanOut };
}

function uniformSym(key: random.Key, shape: readonly number[], a: number, dtype: DType | undefined): Tensor {
  return random.uniform(key, shape, { min: -a, max: a, dtype });
}

/**
 * Glorot (Xavier) uniform: U(-a, a) with a = gain sqrt(6 / (fanIn + fanOut)).
 * @example const w = gn.nn.glorotUniform(gn.random.key(0), [30, 64]);
 */
export function glorotUniform(key: random.Key, shape: readonly number[], opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans("glorotUniform", shape, opts);
  return uniformSym(key, shape, (opts.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut)), opts.dtype);
}

/**
 * Glorot (Xavier) normal: N(0, s^2) with s = gain sqrt(2 / (fanIn + fanOut)).
 * @example const w = gn.nn.glorotNormal(gn.random.key(0), [30, 64]);
 */
export function glorotNormal(key: random.Key, shape: readonly number[], opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans("glorotNormal", shape, opts);
  return random.normal(key, shape, { std: (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), dtype: opts.dtype });
}

/**
 * He (Kaiming) uniform, for ReLU networks: U(-a, a) with a = gain sqrt(6 / fanIn).
 * @example const w = gn.nn.heUniform(gn.random.key(0), [30, 64]);
 */
export function heUniform(key: random.Key, shape: readonly number[], opts: InitOptions = {}): Tensor {
  const { fanIn } = fans("heUniform", shape, opts);
  return uniformSym(key, shape, (opts.gain ?? 1) * Math.sqrt(6 / fanIn), opts.dtype);
}

/**
 * He (Kaiming) normal, for ReLU networks: N(0, s^2) with s = gain sqrt(2 / fanIn).
 * @example const w = gn.nn.heNormal(gn.random.key(0), [8, 1, 3, 3]);
 */
export function heNormal(key: random.Key, shape: readonly number[], opts: InitOptions = {}): Tensor {
  const { fanIn } = fans("heNormal", shape, opts);
  return random.normal(key, shape, { std: (opts.gain ?? 1) * Math.sqrt(2 / fanIn), dtype: opts.dtype });
}

/**
 * LeCun normal, for tanh/SELU networks and embeddings: N(0, s^2) with s = gain sqrt(1 / fanIn).
 * @example const w = gn.nn.lecunNormal(gn.random.key(0), [30, 64]);
 */
export function lecunNormal(key: random.Key, shape: readonly number[], opts: InitOptions = {}): Tensor {
  const { fanIn } = fans("lecunNormal", shape, opts);
  return random.normal(key, shape, { std: (opts.gain ?? 1) * Math.sqrt(1 / fanIn), dtype: opts.dtype });
}

/**
 * Standard normal N(0, gain^2) regardless of the fans (PyTorch's default for embeddings).
 * @example const table = gn.nn.standardNormal(gn.random.key(0), [100, 16]);
 */
export function standardNormal(key: random.Key, shape: readonly number[], opts: InitOptions = {}): Tensor {
  return random.normal(key, shape, { std: opts.gain ?? 1, dtype: opts.dtype });
}

/** All zeros (the key is ignored). @example gn.nn.zerosInit(gn.random.key(0), [64]) */
export function zerosInit(_key: random.Key, shape: readonly number[], opts: InitOptions = {}): Tensor {
  return full(shape, 0, { dtype: opts.dtype });
}

/** All ones (the key is ignored). @example gn.nn.onesInit(gn.random.key(0), [64]) */
export function onesInit(_key: random.Key, shape: readonly number[], opts: InitOptions = {}): Tensor {
  return full(shape, 1, { dtype: opts.dtype });
}

/** The initialisers by the names a layer spec may use. @example gn.nn.initializers.heNormal(gn.random.key(0), [16, 8]) */
export const initializers = {
  glorotUniform,
  glorotNormal,
  heUniform,
  heNormal,
  lecunNormal,
  standardNormal,
  zeros: zerosInit,
  ones: onesInit,
} as const satisfies Record<string, Initializer>;

/** A name a layer spec can use for its initialiser. */
export type InitName = keyof typeof initializers;

/**
 * The initialiser called `name`; throws a ValueError listing the names for an unknown one.
 * @example gn.nn.getInitializer("heNormal")(gn.random.key(0), [3, 3])
 */
export function getInitializer(name: string, op = "nn.getInitializer"): Initializer {
  if (!Object.prototype.hasOwnProperty.call(initializers, name))
    throw new ValueError(`${op}: unknown initialiser ${JSON.stringify(name)}; use one of ${Object.keys(initializers).join(", ")}`);
  return initializers[name as InitName];
}
