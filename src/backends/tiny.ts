/**
 * Float arithmetic on tiny operands in JavaScript, for the backends whose kernels sit behind a call
 * that costs more than the loop: the native addon (below TINY elements) and the wasm heap (operands
 * small enough to live outside it). Same shapes or one scalar side only. Results are bit-identical
 * to the C kernels: a float32 sum, difference, product or quotient computed in double and rounded
 * once is the correctly rounded float32 result.
 */
import type { TypedArray } from "../core/dtype.js";

/** Below this many elements the native backend computes add/sub/mul/div/maximum/minimum here. */
export const TINY = 256;

/** y = a op b for op codes 0..5 (add, sub, mul, div, maximum, minimum); sa/sb: 1 = full, 0 = scalar. */
export function tinyBinary(op: number, a: TypedArray, sa: number, b: TypedArray, sb: number, y: TypedArray, n: number): void {
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
