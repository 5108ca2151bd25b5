/**
 * Matrix decompositions and solves, batched over leading axes (inputs [..., n, n], with equal batch
 * axes: the public ops in src/ops/linalg.ts broadcast them). Every derivative rule is written with
 * these primitives, matmul and elementwise ops, so derivatives of any order work.
 */
import type { Aval } from "../../backends/backend.js";
import type { DType } from "../../core/dtype.js";
import { ShapeError, ValueError, fmtShape } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import type { DifferentiablePrimitive, NonDifferentiablePrimitive } from "../../engine/primitive.js";
import * as o from "../index.js";
import { requireFloat, sameDType } from "./util.js";

type NoParams = Record<string, never>;
const none: NoParams = {};

/** Solves op(A) X = B with A triangular, op(A) = A or A^T. */
export interface TriangularSolveParams {
  /** A is lower triangular (else upper); the other triangle is never read. */
  lower: boolean;
  /** Solve A^T X = B instead. */
  transposeA: boolean;
  /** Take A's diagonal as all ones (it is never read). */
  unitDiagonal: boolean;
}

// ---- shape rules (also used by the public ops, so their errors name the op the user called) ----

/** Throws unless `a` is a float matrix or a batch of square matrices [..., n, n]; returns n. */
export function requireSquare(op: string, a: Aval, arg: number, what = "A"): number {
  const r = a.shape.length;
  if (r < 2)
    throw new ShapeError(`${op}: ${what} (argument ${arg}) must be a square matrix or a batch of them, shape [..., n, n], got shape ${fmtShape(a.shape)} (rank ${r})`);
  const [m, n] = a.shape.slice(-2);
  if (m !== n)
    throw new ShapeError(`${op}: ${what} (argument ${arg}) must be square, got shape ${fmtShape(a.shape)} (${m} x ${n} matrices)`);
  requireFloat(op, a, arg);
  return n;
}

/** Checks a right-hand side B [..., n, k] against A [..., n, n]: same dtype, rank, batch axes and n. */
function requireRhs(op: string, a: Aval, b: Aval): void {
  const n = requireSquare(op, a, 0);
  sameDType(op, [a, b]);
  const r = a.shape.length;
  if (b.shape.length !== r)
    throw new ShapeError(`${op}: B (argument 1) must have the rank of A, shape [..., ${n}, k], got ${fmtShape(b.shape)} with A ${fmtShape(a.shape)}`);
  if (b.shape[r - 2] !== n)
    throw new ShapeError(`${op}: B (argument 1) must have ${n} rows to match A ${fmtShape(a.shape)}, got shape ${fmtShape(b.shape)}`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (batchA.some((d, i) => d !== batchB[i]))
    throw new ShapeError(`${op}: the batch axes of A ${fmtShape(a.shape)} and B ${fmtShape(b.shape)} differ (${fmtShape(batchA)} vs ${fmtShape(batchB)}); the public op broadcasts them`);
}

// ---- helpers for the rules ----

/** A constant n x n matrix with `diag` on the diagonal, `tri` in the chosen strict triangle and 0 in the other. */
function triangleMask(n: number, lower: boolean, diag: number, tri: number, dtype: DType): Tensor {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) v[i * n + j] = i === j ? diag : (lower ? j < i : j > i) ? tri : 0;
  return o.tensor(v, { shape: [n, n], dtype });
}

const sym = (x: Tensor): Tensor => o.mul(o.add(x, o.swapLastAxes(x)), 0.5);
const lastDim = (x: Tensor): number => x.shape[x.ndim - 1];
const trsm = (a: Tensor, b: Tensor, p: TriangularSolveParams): Tensor => o.triangularSolvePrim(a, b, p);
const lowerSolve = (l: Tensor, b: Tensor, transposeA: boolean): Tensor => trsm(l, b, { lower: true, transposeA, unitDiagonal: false });

/** The matrices' traces, shape [...]. */
function traceOf(x: Tensor): Tensor {
  const n = lastDim(x);
  return o.sumPrim(o.where(o.eye(n, n, { dtype: "bool" }), x, 0), { axes: [x.ndim - 2, x.ndim - 1], keepdims: false });
}

// ---- primitives ----

/**
 * Lower Cholesky factor L of the symmetric part S = (A + A^T) / 2, so S = L L^T. Derivatives are
 * taken with respect to every entry of A through that symmetric part (Murray 2016, "Differentiation
 * of the Cholesky decomposition", with Phi = lower triangle with the diagonal halved):
 * forward  Ldot = L Phi(L^-1 sym(Adot) L^-T);  reverse  Abar = sym(L^-T Phi(L^T Lbar) L^-1).
 * Not positive definite: the kernel returns NaN for the whole matrix.
 */
export const cholesky: DifferentiablePrimitive<NoParams> = {
  name: "cholesky",
  differentiable: true,
  infer: ([a]) => {
    requireSquare("cholesky", a, 0);
    return { shape: [...a.shape], dtype: a.dtype };
  },
  jvp: (_p, [ta], _params, l) => {
    const phi = triangleMask(lastDim(l), true, 0.5, 1, l.dtype);
    const s = lowerSolve(l, sym(ta!), false); // L^-1 Ad
    const x = lowerSolve(l, o.swapLastAxes(s), false); // L^-1 Ad L^-T (symmetric)
    return o.matmulPrim(l, o.mul(x, phi));
  },
  vjp: (g, _p, _params, l) => {
    const phi = triangleMask(lastDim(l), true, 0.5, 1, l.dtype);
    const p = o.mul(o.matmulPrim(o.swapLastAxes(l), g), phi);
    const z = lowerSolve(l, p, true); // L^-T P
    const y = o.swapLastAxes(lowerSolve(l, o.swapLastAxes(z), true)); // L^-T P L^-1
    return [sym(y)];
  },
  samples: [
    { args: [{ shape: [3, 3], matrix: "spd" }], params: none },
    { label: "batched", args: [{ shape: [2, 3, 3], matrix: "spd" }], params: none },
    { label: "1x1", args: [{ shape: [1, 1], matrix: "spd" }], params: none },
    { label: "non-symmetric input uses its symmetric part", args: [{ shape: [2, 2], values: [4, 1, 3, 5] }], params: none },
    { label: "not positive definite gives NaN", args: [{ shape: [2, 2], values: [1, 2, 2, 1] }], params: none, valueOnly: true },
  ],
};

/**
 * X = op(A)^-1 B with A triangular. With T the triangle that is read: forward
 * Xdot = op(T)^-1 (Bdot - op(Tdot) X); reverse Bbar = op(T)^-T Xbar, and Tbar = -Bbar X^T
 * (or its transpose), masked to the triangle that is read.
 */
export const triangularSolve: DifferentiablePrimitive<TriangularSolveParams> = {
  name: "triangularSolve",
  differentiable: true,
  infer: ([a, b], { lower, transposeA, unitDiagonal }) => {
    requireRhs("triangularSolve", a, b);
    for (const [k, v] of Object.entries({ lower, transposeA, unitDiagonal }))
      if (typeof v !== "boolean") throw new ValueError(`triangularSolve: option ${k} must be a boolean, got ${JSON.stringify(v)}`);
    return { shape: [...b.shape], dtype: b.dtype };
  },
  jvp: ([a], [ta, tb], p, x) => {
    let rhs = tb;
    if (ta) {
      const tt = o.mul(ta, triangleMask(lastDim(a), p.lower, p.unitDiagonal ? 0 : 1, 1, a.dtype));
      const tx = o.matmulPrim(p.transposeA ? o.swapLastAxes(tt) : tt, x);
      rhs = rhs ? o.sub(rhs, tx) : o.neg(tx);
    }
    return trsm(a, rhs!, p);
  },
  vjp: (g, [a], p, x, needs) => {
    const gb = trsm(a, g, { ...p, transposeA: !p.transposeA });
    let ga: Tensor | null = null;
    if (needs[0]) {
      const full = p.transposeA ? o.matmulPrim(x, o.swapLastAxes(gb)) : o.matmulPrim(gb, o.swapLastAxes(x));
      ga = o.neg(o.mul(full, triangleMask(lastDim(a), p.lower, p.unitDiagonal ? 0 : 1, 1, a.dtype)));
    }
    return [ga, needs[1] ? gb : null];
  },
  samples: [
    { label: "lower", args: [{ shape: [3, 3], matrix: "lowerWellConditioned" }, { shape: [3, 2] }], params: { lower: true, transposeA: false, unitDiagonal: false } },
    { label: "upper", args: [{ shape: [3, 3], matrix: "upperWellConditioned" }, { shape: [3, 2] }], params: { lower: false, transposeA: false, unitDiagonal: false } },
    { label: "lower transposed", args: [{ shape: [3, 3], matrix: "lowerWellConditioned" }, { shape: [3, 1] }], params: { lower: true, transposeA: true, unitDiagonal: false } },
    { label: "upper transposed unit diagonal", args: [{ shape: [3, 3], matrix: "upperWellConditioned" }, { shape: [3, 2] }], params: { lower: false, transposeA: true, unitDiagonal: true } },
    { label: "dense A reads only its lower triangle", args: [{ shape: [3, 3], matrix: "wellConditioned" }, { shape: [3, 2] }], params: { lower: true, transposeA: false, unitDiagonal: false } },
    { label: "batched", args: [{ shape: [2, 3, 3], matrix: "lowerWellConditioned" }, { shape: [2, 3, 2] }], params: { lower: true, transposeA: false, unitDiagonal: false } },
  ],
};

/** X = A^-1 B by LU with partial pivoting. Forward Xdot = A^-1 (Bdot - Adot X); reverse Bbar = A^-T Xbar, Abar = -Bbar X^T. */
export const solve: DifferentiablePrimitive<NoParams> = {
  name: "solve",
  differentiable: true,
  infer: ([a, b]) => {
    requireRhs("solve", a, b);
    return { shape: [...b.shape], dtype: b.dtype };
  },
  jvp: ([a], [ta, tb], _p, x) => {
    let rhs = tb;
    if (ta) {
      const tx = o.matmulPrim(ta, x);
      rhs = rhs ? o.sub(rhs, tx) : o.neg(tx);
    }
    return o.solvePrim(a, rhs!);
  },
  vjp: (g, [a], _p, x, needs) => {
    const gb = o.solvePrim(o.swapLastAxes(a), g);
    return [needs[0] ? o.neg(o.matmulPrim(gb, o.swapLastAxes(x))) : null, needs[1] ? gb : null];
  },
  samples: [
    { args: [{ shape: [3, 3], matrix: "wellConditioned" }, { shape: [3, 2] }], params: none },
    { label: "batched", args: [{ shape: [2, 3, 3], matrix: "wellConditioned" }, { shape: [2, 3, 1] }], params: none },
    { label: "needs pivoting", args: [{ shape: [3, 3], values: [0, 2, 1, 1, 1, 0, 3, 0, 1] }, { shape: [3, 1] }], params: none },
    { label: "1x1", args: [{ shape: [1, 1], matrix: "wellConditioned" }, { shape: [1, 3] }], params: none },
    { label: "float32", args: [{ shape: [3, 3], matrix: "wellConditioned", dtype: "float32" }, { shape: [3, 2], dtype: "float32" }], params: none },
  ],
};

/** log|det A| via LU. Forward: trace(A^-1 Adot); reverse: Abar = ct A^-T. A singular matrix gives -Infinity. */
export const logAbsDet: DifferentiablePrimitive<NoParams> = {
  name: "logAbsDet",
  differentiable: true,
  infer: ([a]) => {
    requireSquare("logAbsDet", a, 0);
    return { shape: a.shape.slice(0, -2), dtype: a.dtype };
  },
  jvp: ([a], [ta]) => traceOf(o.solvePrim(a, ta!)),
  vjp: (g, [a]) => {
    const n = lastDim(a);
    const invT = o.solvePrim(o.swapLastAxes(a), o.broadcastTo(o.eye(n, n, { dtype: a.dtype }), a.shape));
    return [o.mul(o.reshape(g, [...g.shape, 1, 1]), invT)];
  },
  samples: [
    { args: [{ shape: [3, 3], matrix: "wellConditioned" }], params: none },
    { label: "batched", args: [{ shape: [2, 3, 3], matrix: "wellConditioned" }], params: none },
    { label: "negative determinant", args: [{ shape: [2, 2], values: [1, 3, 2, 1] }], params: none },
    { label: "1x1", args: [{ shape: [1, 1], values: [-0.5] }], params: none },
    { label: "singular gives -Infinity", args: [{ shape: [2, 2], values: [1, 2, 2, 4] }], params: none, valueOnly: true },
  ],
};

/** The sign of det A: 1, -1, or 0 for an exactly singular matrix (a zero pivot); NaN input gives NaN. */
export const detSign: NonDifferentiablePrimitive<NoParams> = {
  name: "detSign",
  differentiable: false,
  reason: "piecewise constant: its derivative is zero wherever it exists",
  infer: ([a]) => {
    requireSquare("detSign", a, 0);
    return { shape: a.shape.slice(0, -2), dtype: a.dtype };
  },
  samples: [
    { args: [{ shape: [3, 3], matrix: "wellConditioned" }], params: none },
    { label: "batched", args: [{ shape: [4, 2, 2], values: [1, 3, 2, 1, 2, 0, 0, 3, 1, 2, 2, 4, 0, 1, 1, 0] }], params: none },
  ],
};
