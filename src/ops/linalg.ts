/**
 * Matrix products, solves, the Cholesky factorisation, inverses and determinants. Matrix arguments
 * have shape [..., n, n]; their leading (batch) axes broadcast against each other as in NumPy.
 */
import { isFloat, toFloat } from "../core/dtype.js";
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import { broadcastShapes } from "../core/shape.js";
import type { Tensor } from "../core/tensor.js";
import { bind } from "../engine/trace.js";
import { requireSquare } from "./prims/linalg.js";
import { eye } from "./creation.js";
import { abs, cast, coerce, equal, exp, mul, sqrt, where } from "./elementwise.js";
import { type AxisArg, max, min, sum } from "./reduce.js";
import { broadcastTo, expandDims, reshape, slice } from "./shape.js";

const NO_PARAMS: Record<string, never> = {};

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row/column and the added axis
 * removed; leading (batch) axes broadcast.
 * @example gn.matmul(gn.ones([2, 3]), gn.ones([3, 4])).shape // [2, 4]
 * @example gn.matmul(gn.ones([5, 2, 3]), gn.ones([3])).shape  // [5, 2]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0)
    throw new ShapeError(`matmul: operands must have at least one axis, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)} (use mul for scalars)`);
  // Fast paths: two float matrices, or a matrix and a vector, of one dtype with matching inner sizes
  // go straight to the primitive (which takes A v as it is: no reshapes for it or its derivatives).
  if (a.ndim === 2 && (b.ndim === 2 || b.ndim === 1) && a.dtype === b.dtype && isFloat(a.dtype) && a.shape[1] === b.shape[0]) return bind("matmul", [a, b], NO_PARAMS);
  let [x, y] = coerce(a, b, true, true);
  const vecA = x.ndim === 1;
  const vecB = y.ndim === 1;
  if (vecA) x = reshape(x, [1, x.shape[0]]);
  if (vecB) y = reshape(y, [y.shape[0], 1]);
  if (x.shape[x.ndim - 1] !== y.shape[y.ndim - 2])
    throw new ShapeError(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}: inner sizes ${x.shape[x.ndim - 1]} and ${y.shape[y.ndim - 2]} differ`);
  const batch = broadcastShapes("matmul", x.shape.slice(0, -2), y.shape.slice(0, -2));
  x = broadcastTo(x, [...batch, ...x.shape.slice(-2)]);
  y = broadcastTo(y, [...batch, ...y.shape.slice(-2)]);
  let out = bind("matmul", [x, y], {});
  if (vecA || vecB) {
    const s = [...batch];
    if (!vecA) s.push(out.shape[out.ndim - 2]);
    if (!vecB) s.push(out.shape[out.ndim - 1]);
    out = reshape(out, s);
  }
  return out;
}

/**
 * Dot product of two vectors (a scalar), or matmul for higher ranks.
 * @example gn.dot(gn.tensor([1, 2]), gn.tensor([3, 4])) // 11
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) throw new ShapeError(`dot: vectors of lengths ${a.shape[0]} and ${b.shape[0]} differ`);
    return sum(mul(a, b));
  }
  return matmul(a, b);
}

/**
 * Outer product of two vectors: out[i, j] = a[i] b[j].
 * @example gn.outer(gn.tensor([1, 2]), gn.tensor([1, 10])) // [[1, 10], [2, 20]]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError(`outer: needs two vectors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return mul(expandDims(a, 1), expandDims(b, 0));
}

function asFloat(x: Tensor): Tensor {
  return isFloat(x.dtype) ? x : cast(x, toFloat(x.dtype));
}

/** Checks that A is [..., n, n] (ints become float32) and returns it. */
function squareFloat(op: string, a: Tensor): Tensor {
  const x = asFloat(a);
  requireSquare(op, x, 0);
  return x;
}

/**
 * Runs a left-hand solve primitive on A [..., n, n] and b: a vector [n] (solved against every matrix
 * in A's batch; the result drops the column axis) or matrices [..., n, k], batch axes broadcast.
 */
function solveWith(op: string, a: Tensor, b: Tensor, run: (a: Tensor, b: Tensor) => Tensor): Tensor {
  requireSquare(op, asFloat(a), 0);
  let [x, y] = coerce(a, b, true, true);
  const n = x.shape[x.ndim - 1];
  if (y.ndim === 0)
    throw new ShapeError(`${op}: b (argument 1) must be a vector [n] or matrices [..., n, k], got a scalar (shape []); A is ${fmtShape(a.shape)}`);
  const vector = y.ndim === 1;
  if (vector) y = reshape(y, [y.shape[0], 1]);
  if (y.shape[y.ndim - 2] !== n)
    throw new ShapeError(
      `${op}: b (argument 1) has shape ${fmtShape(b.shape)}, so ${y.shape[y.ndim - 2]} rows, but A ${fmtShape(a.shape)} needs ${n}; ` +
        `b must be a vector [${n}] or matrices [..., ${n}, k] (for a batch of vectors [..., ${n}], pass expandDims(b, -1))`,
    );
  const batch = broadcastShapes(op, x.shape.slice(0, -2), y.shape.slice(0, -2));
  x = broadcastTo(x, [...batch, n, n]);
  y = broadcastTo(y, [...batch, n, y.shape[y.ndim - 1]]);
  const out = run(x, y);
  return vector ? reshape(out, [...batch, n]) : out;
}

/**
 * Solves A x = b for x by LU factorisation with partial pivoting (float64 accumulation).
 * A is [..., n, n]; b is one vector [n] (the result is [..., n]) or matrices [..., n, k] (the result
 * is [..., n, k]); the batch axes of A and b broadcast. A batch of vectors [..., n] is not guessed
 * from its rank (the NumPy 2 rule): pass `expandDims(b, -1)` and squeeze the result.
 * Derivatives of any order flow to A and b.
 *
 * An exactly singular A (a zero pivot) gives Infinity or NaN in the result rather than an error;
 * a nearly singular A gives large, inaccurate values. Use `debugNans(true)` to find where they start.
 * Throws ShapeError for A that is not square or for b whose rows do not match A.
 *
 * @example
 * gn.solve(gn.tensor([[2, 0], [0, 4]]), gn.tensor([2, 2])) // [1, 0.5]
 * @example
 * gn.solve(gn.eye(3).mul(2), gn.ones([5, 3, 2])).shape // [5, 3, 2]
 */
export function solve(a: Tensor, b: Tensor): Tensor {
  return solveWith("solve", a, b, (x, y) => bind("solve", [x, y], {}));
}

/** Options of `triangularSolve`. */
export interface TriangularSolveOptions {
  /** A is lower triangular (true) or upper triangular (false). Only that triangle of A is read. */
  lower: boolean;
  /** Solve A^T x = b instead of A x = b (default false). */
  transposeA?: boolean;
  /** Take A's diagonal as all ones without reading it (default false). */
  unitDiagonal?: boolean;
}

/**
 * Solves A x = b (or A^T x = b) for triangular A by substitution, reading only the triangle of A
 * named by `lower` (the other triangle may hold anything, e.g. a packed factorisation), so the
 * derivative with respect to A is zero outside it. Shapes as in `solve`.
 *
 * A zero on the diagonal gives Infinity or NaN in the result. Throws ShapeError for A that is not
 * square or for b whose rows do not match A.
 *
 * @example
 * const L = gn.tensor([[2, 0], [1, 1]]);
 * gn.triangularSolve(L, gn.tensor([2, 3]), { lower: true }) // [1, 2]
 * @example
 * gn.triangularSolve(L, gn.tensor([4, 2]), { lower: true, transposeA: true }) // [1, 2]
 */
export function triangularSolve(a: Tensor, b: Tensor, opts: TriangularSolveOptions): Tensor {
  const params = { lower: opts?.lower, transposeA: opts?.transposeA ?? false, unitDiagonal: opts?.unitDiagonal ?? false };
  return solveWith("triangularSolve", a, b, (x, y) => bind("triangularSolve", [x, y], params));
}

/**
 * The lower-triangular Cholesky factor L of a symmetric positive definite A, with A = L L^T.
 * Only the symmetric part (A + A^T) / 2 is used, so derivatives with respect to A are symmetric.
 * Batched over leading axes; derivatives of any order.
 *
 * A matrix that is not positive definite (or holds NaN) gives a factor that is all NaN for that
 * matrix (the other matrices of a batch are unaffected); no error is thrown, so a caller can test
 * `gn.isNaN(L)` or turn on `debugNans(true)`. Throws ShapeError when A is not square.
 *
 * @example
 * gn.cholesky(gn.tensor([[4, 2], [2, 5]])) // [[2, 0], [1, 2]]
 */
export function cholesky(a: Tensor): Tensor {
  return bind("cholesky", [squareFloat("cholesky", a)], {});
}

/**
 * The inverse of each matrix in A [..., n, n], computed as solve(A, I). Prefer `solve` when the
 * inverse is only multiplied by something: it is cheaper and more accurate. An exactly singular A
 * gives Infinity or NaN entries; no error is thrown.
 *
 * @example
 * gn.inv(gn.tensor([[2, 0], [0, 4]])) // [[0.5, 0], [0, 0.25]]
 */
export function inv(a: Tensor): Tensor {
  const x = squareFloat("inv", a);
  const n = x.shape[x.ndim - 1];
  return bind("solve", [x, broadcastTo(eye(n, n, { dtype: x.dtype }), x.shape)], {});
}

/**
 * Sign and log of the absolute value of det A, for each matrix in A [..., n, n]: det A =
 * sign * exp(logAbsDet), without the overflow or underflow of the product of the pivots. `sign` is
 * 1 or -1, or 0 with logAbsDet = -Infinity for an exactly singular matrix (a zero pivot); NaN input
 * gives NaN in both. `sign` has a zero derivative; logAbsDet's derivative is A^-T (any order).
 *
 * @example
 * const { sign, logAbsDet } = gn.slogdet(gn.tensor([[0, 2], [3, 0]]));
 * // sign: -1, logAbsDet: log(6)
 */
export function slogdet(a: Tensor): { sign: Tensor; logAbsDet: Tensor } {
  const x = squareFloat("slogdet", a);
  return { sign: bind("detSign", [x], {}), logAbsDet: bind("logAbsDet", [x], {}) };
}

/**
 * log |det A| for each matrix in A [..., n, n]: the second part of `slogdet`. The sign is dropped,
 * so a matrix with a negative determinant gives the log of its absolute value (not NaN, unlike
 * PyTorch's logdet); call `slogdet` when the sign matters. An exactly singular matrix gives -Infinity.
 * Its derivative is A^-T (any order), the right one for log-likelihoods with covariance matrices.
 *
 * @example
 * gn.logdet(gn.tensor([[2, 0], [0, -3]])) // log(6) ≈ 1.7918
 */
export function logdet(a: Tensor): Tensor {
  return bind("logAbsDet", [squareFloat("logdet", a)], {});
}

/**
 * The determinant of each matrix in A [..., n, n], as sign * exp(log|det|) from one LU
 * factorisation. An exactly singular matrix gives 0; its derivative there is NaN (0 * Infinity),
 * because the derivative goes through log|det|. A determinant beyond the float range overflows to
 * Infinity; use `slogdet` for such matrices.
 *
 * @example
 * gn.det(gn.tensor([[1, 2], [3, 4]])) // -2
 */
export function det(a: Tensor): Tensor {
  const { sign, logAbsDet } = slogdet(a);
  return mul(sign, exp(logAbsDet));
}

/**
 * The diagonal of each matrix in x [..., m, n]: shape [..., min(m, n)].
 *
 * @example
 * gn.diagonal(gn.tensor([[1, 2], [3, 4]])) // [1, 4]
 */
export function diagonal(x: Tensor): Tensor {
  if (x.ndim < 2) throw new ShapeError(`diagonal: x (argument 0) must be a matrix or a batch of them, shape [..., m, n], got shape ${fmtShape(x.shape)}`);
  const k = Math.min(x.shape[x.ndim - 2], x.shape[x.ndim - 1]);
  const square = slice(x, x.shape.map(() => 0), [...x.shape.slice(0, -2), k, k]);
  // where, not a product with the identity: an Infinity or NaN off the diagonal must not leak in (0 * Infinity).
  return sum(where(eye(k, k, { dtype: "bool" }), square, 0), -1);
}

/**
 * The trace (sum of the diagonal) of each matrix in x [..., m, n]: shape [...].
 *
 * @example
 * gn.trace(gn.tensor([[1, 2], [3, 4]])) // 5
 */
export function trace(x: Tensor): Tensor {
  if (x.ndim < 2) throw new ShapeError(`trace: x (argument 0) must be a matrix or a batch of them, shape [..., m, n], got shape ${fmtShape(x.shape)}`);
  return sum(diagonal(x), -1);
}

/** Options of `norm`. */
export interface NormOptions {
  /** 2 (Euclidean, default), 1, Infinity, or -Infinity (smallest |x|). */
  ord?: 1 | 2 | typeof Infinity | typeof Number.NEGATIVE_INFINITY;
  /** Axes to reduce (default: all, i.e. the vector norm of the flattened tensor, or Frobenius for a matrix). */
  axes?: AxisArg;
  keepdims?: boolean;
}

/**
 * Vector norms over axes. The 2-norm's derivative x/|x| is taken as 0 at x = 0 (a subgradient) rather
 * than NaN, so norms can be used as penalties and in projections. NaN propagates.
 * @example gn.norm(gn.tensor([3, 4])).item()                 // 5
 * @example gn.norm(gn.tensor([[1, -2], [3, 0]]), { ord: 1, axes: 1 }) // [3, 3]
 */
export function norm(x: Tensor, opts: NormOptions = {}): Tensor {
  const ord = opts.ord ?? 2;
  const r = { keepdims: opts.keepdims };
  const a = abs(x);
  if (ord === 1) return sum(a, opts.axes, r);
  if (ord === Infinity) return max(a, opts.axes, r);
  if (ord === -Infinity) return min(a, opts.axes, r);
  if (ord !== 2) throw new ValueError(`norm: ord must be 1, 2, Infinity or -Infinity, got ${ord}`);
  const s = sum(mul(x, x), opts.axes, r);
  // Double where: keep sqrt away from 0 so its infinite derivative never meets the zero cotangent.
  const zero = equal(s, 0);
  return where(zero, 0, sqrt(where(zero, 1, s)));
}
