/**
 * Counter-based random numbers with explicit, splittable keys (Threefry-2x32, 20 rounds, as in JAX's
 * default PRNG). The same key gives the same numbers on every platform: the generator and the
 * transforms to uniform and normal use only integer operations, IEEE arithmetic and sqrt (no
 * Math.log/Math.cos, whose last bits differ between JavaScript engines).
 *
 * @example
 * const key = gn.random.key(0);
 * const [k1, k2] = gn.random.split(key);
 * const w = gn.random.normal(k1, [3, 3]);
 */
import { type DType, allocTyped, isFloat } from "../core/dtype.js";
import { DTypeError, ValueError } from "../core/errors.js";
import { checkShape, sizeOf } from "../core/shape.js";
import type { Tensor } from "../core/tensor.js";
import { DEFAULT_FLOAT, fromTypedUnchecked } from "../ops/creation.js";

/** A PRNG key: two 32-bit words. Immutable; derive new keys with `split` or `foldIn`. */
export interface Key {
  readonly words: readonly [number, number];
}

const ROT0 = [13, 15, 26, 6];
const ROT1 = [17, 29, 16, 24];

/** Threefry-2x32 block function: encrypts the counter (c0, c1) under key (k0, k1). */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let x0 = (c0 + ks[0]) >>> 0;
  let x1 = (c1 + ks[1]) >>> 0;
  for (let i = 0; i < 5; i++) {
    const rot = i % 2 === 0 ? ROT0 : ROT1;
    for (let r = 0; r < 4; r++) {
      x0 = (x0 + x1) >>> 0;
      x1 = ((x1 << rot[r]) | (x1 >>> (32 - rot[r]))) >>> 0;
      x1 = (x1 ^ x0) >>> 0;
    }
    x0 = (x0 + ks[(i + 1) % 3]) >>> 0;
    x1 = (x1 + ks[(i + 2) % 3] + i + 1) >>> 0;
  }
  return [x0, x1];
}

/**
 * A key from an integer seed (any safe integer; negative seeds are allowed).
 * @example const key = gn.random.key(42);
 */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed)) throw new ValueError(`random.key: the seed must be a safe integer, got ${seed}`);
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  const lo = seed >>> 0;
  return { words: [hi, lo] };
}

/** Splits a key into `n` independent keys (default 2). @example const [a, b] = gn.random.split(key); */
export function split(k: Key, n = 2): Key[] {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`random.split: n must be an integer >= 1, got ${n}`);
  const out: Key[] = [];
  for (let i = 0; i < n; i++) out.push({ words: threefry2x32(k.words[0], k.words[1], 0, i) });
  return out;
}

/** A new key from `k` and an integer (e.g. a step number), without consuming `k`. */
export function foldIn(k: Key, data: number): Key {
  return { words: threefry2x32(k.words[0], k.words[1], 0x9e3779b9, data >>> 0) };
}

/** `n` random 32-bit words from `k` (counters 0, 1, ... under the key, second word stream 1). */
function bits(k: Key, n: number, stream = 0): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i += 2) {
    const [a, b] = threefry2x32(k.words[0], k.words[1], stream, i >>> 1);
    out[i] = a;
    if (i + 1 < n) out[i + 1] = b;
  }
  return out;
}

/** A uniform number in [0, 1) from two words, with 53 bits (float64) or 24 bits (float32). */
function unit(w0: number, w1: number, dtype: DType): number {
  if (dtype === "float32") return (w0 >>> 8) / 16777216;
  return ((w0 >>> 5) * 67108864 + (w1 >>> 6)) / 9007199254740992;
}

function floatDType(op: string, dtype: DType | undefined): DType {
  const d = dtype ?? DEFAULT_FLOAT;
  if (!isFloat(d)) throw new DTypeError(`random.${op}: dtype must be float32 or float64, got ${d}`);
  return d;
}

/**
 * Uniform samples in [min, max) (default [0, 1)).
 * @example gn.random.uniform(gn.random.key(0), [2, 2], { min: -1, max: 1 })
 */
export function uniform(k: Key, shape: readonly number[], opts: { min?: number; max?: number; dtype?: DType } = {}): Tensor {
  checkShape("random.uniform", shape);
  const dtype = floatDType("uniform", opts.dtype);
  const lo = opts.min ?? 0;
  const hi = opts.max ?? 1;
  const n = sizeOf(shape);
  const w = bits(k, 2 * n);
  const out = allocTyped(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = lo + (hi - lo) * unit(w[2 * i], w[2 * i + 1], dtype);
    // Rounding to float32 can land on `hi`; keep the interval half-open.
    out[i] = v;
    if (out[i] >= hi && hi > lo) out[i] = dtype === "float32" ? Math.fround(hi - (hi - lo) * 2 ** -24) : lo;
  }
  return fromTypedUnchecked(out, [...shape], dtype);
}

const LN2 = 0.6931471805599453;

/** Natural log by exponent extraction and the atanh series: identical on every engine (Math.log is not). */
export function detLog(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  let e = ((view.getUint32(0) >>> 20) & 0x7ff) - 1023;
  if (e === -1023) {
    // Subnormal: scale up first.
    return detLog(x * 2 ** 54) - 54 * LN2;
  }
  view.setUint32(0, (view.getUint32(0) & 0x800fffff) | (1023 << 20));
  let m = view.getFloat64(0); // in [1, 2)
  if (m > Math.SQRT2) {
    m /= 2;
    e += 1;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  let term = z;
  let s = z;
  for (let k = 3; k < 60; k += 2) {
    term *= z2;
    const add = term / k;
    s += add;
    if (Math.abs(add) < 1e-18) break;
  }
  return e * LN2 + 2 * s;
}

/**
 * Normal samples (mean 0, std 1 unless given), by Marsaglia's polar method on per-element counter
 * streams, so element i never depends on how many tries element j needed.
 * @example gn.random.normal(gn.random.key(0), [3], { std: 0.1 })
 */
export function normal(k: Key, shape: readonly number[], opts: { mean?: number; std?: number; dtype?: DType } = {}): Tensor {
  checkShape("random.normal", shape);
  const dtype = floatDType("normal", opts.dtype);
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  const n = sizeOf(shape);
  const out = allocTyped(dtype, n);
  for (let i = 0; i < n; i++) {
    for (let attempt = 0; ; attempt++) {
      const [a, b] = threefry2x32(k.words[0], k.words[1], i, 2 * attempt + 1);
      const [c, d] = threefry2x32(k.words[0], k.words[1], i, 2 * attempt + 2);
      const u = 2 * unit(a, b, "float64") - 1;
      const v = 2 * unit(c, d, "float64") - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      out[i] = mean + std * u * Math.sqrt((-2 * detLog(s)) / s);
      break;
    }
  }
  return fromTypedUnchecked(out, [...shape], dtype);
}

/**
 * Bernoulli samples: true with probability p (a number in [0, 1]).
 * @example gn.random.bernoulli(gn.random.key(0), 0.5, [4])
 */
export function bernoulli(k: Key, p: number, shape: readonly number[]): Tensor {
  checkShape("random.bernoulli", shape);
  if (!(p >= 0 && p <= 1)) throw new ValueError(`random.bernoulli: p must be in [0, 1], got ${p}`);
  const n = sizeOf(shape);
  const w = bits(k, 2 * n);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = unit(w[2 * i], w[2 * i + 1], "float64") < p ? 1 : 0;
  return fromTypedUnchecked(out, [...shape], "bool");
}

/**
 * Random integers in [lo, hi) (int32), without modulo bias.
 * @example gn.random.randint(gn.random.key(0), [5], 0, 10)
 */
export function randint(k: Key, shape: readonly number[], lo: number, hi: number): Tensor {
  checkShape("random.randint", shape);
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo) throw new ValueError(`random.randint: need integers lo < hi, got [${lo}, ${hi})`);
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const w = bits(k, 2 * n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(unit(w[2 * i], w[2 * i + 1], "float64") * (hi - lo));
  return fromTypedUnchecked(out, [...shape], "int32");
}

/**
 * A random permutation of 0..n-1 (Fisher-Yates driven by the key), as a plain array for indexing data.
 * @example gn.random.permutation(gn.random.key(0), 5) // e.g. [3, 0, 4, 1, 2]
 */
export function permutation(k: Key, n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`random.permutation: n must be an integer >= 0, got ${n}`);
  const p = Array.from({ length: n }, (_, i) => i);
  const w = bits(k, 2 * n, 1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(unit(w[2 * i], w[2 * i + 1], "float64") * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** @internal Uniform float64 values in [0, 1) as a plain array (for samplers that need host numbers). */
export function uniformValues(k: Key, n: number): Float64Array {
  const w = bits(k, 2 * n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = unit(w[2 * i], w[2 * i + 1], "float64");
  return out;
}
