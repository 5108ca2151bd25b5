/**
 * Synthetic inputs shared by every JavaScript engine, so gradnav and the JS peers see the same
 * numbers (timings do not depend on the values, but equal inputs let the figures be cross-checked).
 * A small seeded generator keeps this independent of any library's RNG.
 */

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` standard-normal float32 values (Box-Muller), scaled by `std`. */
export function normals(seed: number, n: number, std = 1): Float32Array {
  const u = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u())) * std;
    const th = 2 * Math.PI * u();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

/** `n` uniform float32 values in [lo, hi). */
export function uniforms(seed: number, n: number, lo = 0, hi = 1): Float32Array {
  const u = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * u();
  return out;
}

/** `n` class labels in [0, classes) as int32. */
export function labels(seed: number, n: number, classes: number): Int32Array {
  const u = mulberry32(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(classes - 1, Math.floor(u() * classes));
  return out;
}

/** He-normal weights for a dense layer [fanIn, fanOut] (or a conv kernel, with fanIn = in * kh * kw). */
export function heNormal(seed: number, size: number, fanIn: number): Float32Array {
  return normals(seed, size, Math.sqrt(2 / fanIn));
}

/** Layer shapes of the MLP: W_i is [sizes[i], sizes[i + 1]], b_i is [sizes[i + 1]]. */
export function mlpShapes(sizes: readonly number[]): { w: [number, number]; b: [number] }[] {
  return sizes.slice(0, -1).map((n, i) => ({ w: [n, sizes[i + 1]] as [number, number], b: [sizes[i + 1]] as [number] }));
}

/** Inputs of the logistic-regression HVP case: X [rows, cols], y in {0, 1}, w and v [cols]. */
export function logregData(rows: number, cols: number): { X: Float32Array; y: Float32Array; w: Float32Array; v: Float32Array } {
  const X = normals(41, rows * cols);
  const y = Float32Array.from(labels(42, rows, 2));
  return { X, y, w: normals(43, cols, 0.1), v: normals(44, cols) };
}
