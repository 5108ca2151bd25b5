/**
 * Dense linear-algebra kernels, batched over leading axes. Every kernel copies its matrices into
 * Float64Array workspaces, so float32 inputs are factored and solved with float64 accumulation and
 * rounded once on output.
 */
import type { Aval } from "../backend.js";
import type { TypedArray } from "../../core/dtype.js";
import type { TriangularSolveParams } from "../../ops/prims/linalg.js";
import { type Kernel, alloc } from "./util.js";

type NoParams = Record<string, never>;

/** Number of matrices in a batch [..., r, c] (counted from the batch axes, so empty matrices still count). */
function batchCount(a: Aval): number {
  let b = 1;
  for (let i = 0; i < a.shape.length - 2; i++) b *= a.shape[i];
  return b;
}

/** An LU factorisation P A = L U of one n x n matrix; L (unit diagonal) and U share `lu`. */
interface LU {
  lu: Float64Array;
  /** perm[i] = the row of A that ends up in row i. */
  perm: Int32Array;
  /** +1 or -1: the sign of the row permutation. */
  parity: number;
}

/**
 * Gaussian elimination with partial pivoting (the row with the largest |value| in the column becomes
 * the pivot), which keeps the multipliers at most 1 in magnitude. A zero pivot column is left as is:
 * the matrix is singular, and the solves that divide by that zero give Infinity or NaN.
 */
function luFactor(a: TypedArray, offset: number, n: number): LU {
  const lu = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) lu[i] = a[offset + i];
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let parity = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j];
        lu[k * n + j] = lu[p * n + j];
        lu[p * n + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
      parity = -parity;
    }
    const pivot = lu[k * n + k];
    if (pivot === 0) continue;
    for (let i = k + 1; i < n; i++) {
      const m = lu[i * n + k] / pivot;
      lu[i * n + k] = m;
      if (m === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= m * lu[k * n + j];
    }
  }
  return { lu, perm, parity };
}

/** Solves A X = B for one matrix and a right-hand side [n, k], given A's LU factors. */
function luSolve({ lu, perm }: LU, n: number, b: TypedArray, bOffset: number, k: number, y: TypedArray, yOffset: number): void {
  const x = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[bOffset + perm[i] * k + c];
      for (let j = 0; j < i; j++) s -= lu[i * n + j] * x[j];
      x[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i];
      for (let j = i + 1; j < n; j++) s -= lu[i * n + j] * x[j];
      x[i] = s / lu[i * n + i];
    }
    for (let i = 0; i < n; i++) y[yOffset + i * k + c] = x[i];
  }
}

/** The signed pieces of log|det|: the sign (0 for a zero pivot, NaN for NaN input) and the log of the absolute value. */
function slogdet(a: TypedArray, offset: number, n: number): [number, number] {
  const { lu, parity } = luFactor(a, offset, n);
  let sign = parity;
  let logAbs = 0;
  for (let i = 0; i < n; i++) {
    const d = lu[i * n + i];
    sign *= Math.sign(d);
    logAbs += Math.log(Math.abs(d));
  }
  return [sign + 0, logAbs]; // + 0 turns the -0 of an odd permutation of a singular matrix into 0
}

export const linalgKernels = {
  /**
   * Cholesky-Banachiewicz, row by row, of the symmetric part (A + A^T) / 2. A matrix that is not
   * positive definite (a pivot <= 0 or NaN) gives an all-NaN factor for that batch entry.
   */
  cholesky: (([a], [av], _p, out) => {
    const y = alloc(out);
    const n = av.shape[av.shape.length - 1];
    const l = new Float64Array(n * n);
    for (let b = 0, off = 0; b < batchCount(av); b++, off += n * n) {
      l.fill(0);
      let ok = true;
      for (let i = 0; i < n && ok; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0.5 * (a[off + i * n + j] + a[off + j * n + i]);
          for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
          if (i === j) {
            if (!(s > 0)) {
              ok = false;
              break;
            }
            l[i * n + i] = Math.sqrt(s);
          } else l[i * n + j] = s / l[j * n + j];
        }
      if (ok) for (let i = 0; i < n * n; i++) y[off + i] = l[i];
      else y.fill(NaN, off, off + n * n);
    }
    return y;
  }) as Kernel<NoParams>,

  /** Forward or back substitution, reading only A's triangle (and not its diagonal when unitDiagonal). */
  triangularSolve: (([a, bIn], [av, bv], { lower, transposeA, unitDiagonal }, out) => {
    const y = alloc(out);
    const n = av.shape[av.shape.length - 1];
    const k = bv.shape[bv.shape.length - 1];
    // op(A)[i][j] is A[i][j], or A[j][i] when transposed; op(A) is lower triangular exactly when lower !== transposeA.
    const rs = transposeA ? 1 : n;
    const cs = transposeA ? n : 1;
    const forward = lower !== transposeA;
    const x = new Float64Array(n);
    for (let b = 0; b < batchCount(av); b++) {
      const ao = b * n * n;
      const bo = b * n * k;
      for (let c = 0; c < k; c++) {
        for (let step = 0; step < n; step++) {
          const i = forward ? step : n - 1 - step;
          let s = bIn[bo + i * k + c];
          if (forward) for (let j = 0; j < i; j++) s -= a[ao + i * rs + j * cs] * x[j];
          else for (let j = i + 1; j < n; j++) s -= a[ao + i * rs + j * cs] * x[j];
          x[i] = unitDiagonal ? s : s / a[ao + i * (n + 1)];
        }
        for (let i = 0; i < n; i++) y[bo + i * k + c] = x[i];
      }
    }
    return y;
  }) as Kernel<TriangularSolveParams>,

  solve: (([a, bIn], [av, bv], _p, out) => {
    const y = alloc(out);
    const n = av.shape[av.shape.length - 1];
    const k = bv.shape[bv.shape.length - 1];
    for (let b = 0; b < batchCount(av); b++) luSolve(luFactor(a, b * n * n, n), n, bIn, b * n * k, k, y, b * n * k);
    return y;
  }) as Kernel<NoParams>,

  logAbsDet: (([a], [av], _p, out) => {
    const y = alloc(out);
    const n = av.shape[av.shape.length - 1];
    for (let b = 0; b < batchCount(av); b++) y[b] = slogdet(a, b * n * n, n)[1];
    return y;
  }) as Kernel<NoParams>,

  detSign: (([a], [av], _p, out) => {
    const y = alloc(out);
    const n = av.shape[av.shape.length - 1];
    for (let b = 0; b < batchCount(av); b++) y[b] = slogdet(a, b * n * n, n)[0];
    return y;
  }) as Kernel<NoParams>,
};
