/**
 * Float arithmetic on tiny operands in JavaScript, for the backends whose kernels sit behind a call
 * that costs more than the loop: the native addon (below TINY elements) and the wasm heap (operands
 * small enough to live outside it). Same shapes or one scalar side only. Results are bit-identical
 * to the C kernels: a float32 sum, difference, product or quotient computed in double and rounded
 * once is the correctly rounded float32 result.
 *
 * float32 and float64 have a function each, written out twice on purpose: V8 keeps type feedback per
 * function, and one function reading both array types runs its element loads polymorphic. With the
 * split (and the unrolled loop below), W5's add on 100 elements on the native backend ran 11-15%
 * faster in a same-process A/B; alone, the loop measured 0.16-0.24 us against up to 0.44 us.
 */
import type { TypedArray } from "../core/dtype.js";

/**
 * Below this many elements the native backend computes add/sub/mul/div/maximum/minimum here: a
 * Node-API call costs about as much as this loop on 100 to 150 elements.
 */
export const TINY = 128;

/** y = a op b for op codes 0..5 (add, sub, mul, div, maximum, minimum); sa/sb: 1 = full, 0 = scalar. */
export function tinyBinary(op: number, a: TypedArray, sa: number, b: TypedArray, sb: number, y: TypedArray, n: number): void {
  if (y instanceof Float32Array) tiny32(op, a as Float32Array, sa, b as Float32Array, sb, y, n);
  else tiny64(op, a as Float64Array, sa, b as Float64Array, sb, y as Float64Array, n);
}

function tiny32(op: number, a: Float32Array, sa: number, b: Float32Array, sb: number, y: Float32Array, n: number): void {
  if (sa === 1 && sb === 1) {
    // Four elements a step for the four common ops (the loop's own bookkeeping is much of its cost).
    let i = 0;
    switch (op) {
      case 0: for (; i + 4 <= n; i += 4) { y[i] = a[i] + b[i]; y[i + 1] = a[i + 1] + b[i + 1]; y[i + 2] = a[i + 2] + b[i + 2]; y[i + 3] = a[i + 3] + b[i + 3]; } for (; i < n; i++) y[i] = a[i] + b[i]; return;
      case 1: for (; i + 4 <= n; i += 4) { y[i] = a[i] - b[i]; y[i + 1] = a[i + 1] - b[i + 1]; y[i + 2] = a[i + 2] - b[i + 2]; y[i + 3] = a[i + 3] - b[i + 3]; } for (; i < n; i++) y[i] = a[i] - b[i]; return;
      case 2: for (; i + 4 <= n; i += 4) { y[i] = a[i] * b[i]; y[i + 1] = a[i + 1] * b[i + 1]; y[i + 2] = a[i + 2] * b[i + 2]; y[i + 3] = a[i + 3] * b[i + 3]; } for (; i < n; i++) y[i] = a[i] * b[i]; return;
      case 3: for (; i + 4 <= n; i += 4) { y[i] = a[i] / b[i]; y[i + 1] = a[i + 1] / b[i + 1]; y[i + 2] = a[i + 2] / b[i + 2]; y[i + 3] = a[i + 3] / b[i + 3]; } for (; i < n; i++) y[i] = a[i] / b[i]; return;
      case 4: for (; i < n; i++) y[i] = max(a[i], b[i]); return;
      default: for (; i < n; i++) y[i] = min(a[i], b[i]); return;
    }
  }
  if (sa === 1) {
    const s = b[0];
    switch (op) {
      case 0: for (let i = 0; i < n; i++) y[i] = a[i] + s; return;
      case 1: for (let i = 0; i < n; i++) y[i] = a[i] - s; return;
      case 2: for (let i = 0; i < n; i++) y[i] = a[i] * s; return;
      case 3: for (let i = 0; i < n; i++) y[i] = a[i] / s; return;
      case 4: for (let i = 0; i < n; i++) y[i] = max(a[i], s); return;
      default: for (let i = 0; i < n; i++) y[i] = min(a[i], s); return;
    }
  }
  const s = a[0];
  switch (op) {
    case 0: for (let i = 0; i < n; i++) y[i] = s + b[i]; return;
    case 1: for (let i = 0; i < n; i++) y[i] = s - b[i]; return;
    case 2: for (let i = 0; i < n; i++) y[i] = s * b[i]; return;
    case 3: for (let i = 0; i < n; i++) y[i] = s / b[i]; return;
    case 4: for (let i = 0; i < n; i++) y[i] = max(s, b[i]); return;
    default: for (let i = 0; i < n; i++) y[i] = min(s, b[i]); return;
  }
}

/** tiny32 for float64 arrays (the same text; see the file comment for why it is not shared). */
function tiny64(op: number, a: Float64Array, sa: number, b: Float64Array, sb: number, y: Float64Array, n: number): void {
  if (sa === 1 && sb === 1) {
    switch (op) {
      case 0: for (let i = 0; i < n; i++) y[i] = a[i] + b[i]; return;
      case 1: for (let i = 0; i < n; i++) y[i] = a[i] - b[i]; return;
      case 2: for (let i = 0; i < n; i++) y[i] = a[i] * b[i]; return;
      case 3: for (let i = 0; i < n; i++) y[i] = a[i] / b[i]; return;
      case 4: for (let i = 0; i < n; i++) y[i] = max(a[i], b[i]); return;
      default: for (let i = 0; i < n; i++) y[i] = min(a[i], b[i]); return;
    }
  }
  if (sa === 1) {
    const s = b[0];
    switch (op) {
      case 0: for (let i = 0; i < n; i++) y[i] = a[i] + s; return;
      case 1: for (let i = 0; i < n; i++) y[i] = a[i] - s; return;
      case 2: for (let i = 0; i < n; i++) y[i] = a[i] * s; return;
      case 3: for (let i = 0; i < n; i++) y[i] = a[i] / s; return;
      case 4: for (let i = 0; i < n; i++) y[i] = max(a[i], s); return;
      default: for (let i = 0; i < n; i++) y[i] = min(a[i], s); return;
    }
  }
  const s = a[0];
  switch (op) {
    case 0: for (let i = 0; i < n; i++) y[i] = s + b[i]; return;
    case 1: for (let i = 0; i < n; i++) y[i] = s - b[i]; return;
    case 2: for (let i = 0; i < n; i++) y[i] = s * b[i]; return;
    case 3: for (let i = 0; i < n; i++) y[i] = s / b[i]; return;
    case 4: for (let i = 0; i < n; i++) y[i] = max(s, b[i]); return;
    default: for (let i = 0; i < n; i++) y[i] = min(s, b[i]); return;
  }
}

// NaN wins, else `a > b ? a : b`: the reference's rule, signed zeros included.
function max(a: number, b: number): number {
  return a !== a || b !== b ? NaN : a > b ? a : b;
}
function min(a: number, b: number): number {
  return a !== a || b !== b ? NaN : a < b ? a : b;
}
