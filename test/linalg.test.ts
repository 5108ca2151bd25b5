/**
 * Linear algebra: values against hand-computed cases and identities, derivatives to order 2 in both
 * modes through the public ops (batched and broadcast), singular and indefinite inputs, and errors.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";
import { bind } from "../src/engine/trace.js";

const f64 = (data: gn.NestedArray) => gn.tensor(data, { dtype: "float64" });

function assertAllClose(got: gn.Tensor, want: gn.Tensor | gn.NestedArray, tol = 1e-10, what = "value"): void {
  const w = want instanceof gn.Tensor ? want : f64(want);
  assert.deepEqual([...got.shape], [...w.shape], `${what}: shape ${got.shape} vs ${w.shape}`);
  const g = got.toTypedArray();
  const e = w.toTypedArray();
  for (let i = 0; i < e.length; i++)
    assert.ok(Math.abs(g[i] - e[i]) <= tol * (1 + Math.abs(e[i])), `${what}: element ${i} is ${g[i]}, expected ${e[i]}`);
}

/** Random [..., n, n] float64 matrices made well conditioned by adding n to the diagonal. */
function wellConditioned(seed: number, shape: number[]): gn.Tensor {
  const n = shape[shape.length - 1];
  return gn.add(gn.random.normal(gn.random.key(seed), shape, { dtype: "float64" }), gn.mul(gn.eye(n, n, { dtype: "float64" }), n));
}

/** Random symmetric positive definite [..., n, n] float64 matrices: M M^T / n + I. */
function spd(seed: number, shape: number[]): gn.Tensor {
  const n = shape[shape.length - 1];
  const m = gn.random.normal(gn.random.key(seed), shape, { dtype: "float64" });
  return gn.add(gn.div(gn.matmul(m, gn.swapAxes(m, -1, -2)), n), gn.eye(n, n, { dtype: "float64" }));
}

const T = (x: gn.Tensor) => gn.swapAxes(x, -1, -2);
const allNonFinite = (x: gn.Tensor) => [...x.toTypedArray()].some((v) => !Number.isFinite(v));

describe("linalg values", () => {
  test("cholesky of hand-factored matrices", () => {
    assertAllClose(gn.cholesky(f64([[4, 2], [2, 5]])), [[2, 0], [1, 2]]);
    assertAllClose(gn.cholesky(f64([[4, 12, -16], [12, 37, -43], [-16, -43, 98]])), [[2, 0, 0], [6, 1, 0], [-8, 5, 3]]);
  });

  test("cholesky uses the symmetric part of a non-symmetric input", () => {
    assertAllClose(gn.cholesky(f64([[4, 1], [3, 5]])), gn.cholesky(f64([[4, 2], [2, 5]])));
  });

  test("cholesky: L L^T = A and L is lower triangular, batched", () => {
    const a = spd(1, [3, 4, 4]);
    const l = gn.cholesky(a);
    assertAllClose(gn.matmul(l, T(l)), a, 1e-12, "L L^T");
    const upper = gn.where(gn.less(gn.arange(4).reshape([4, 1]), gn.arange(4).reshape([1, 4])), l, 0);
    assert.equal(gn.sum(gn.abs(upper)).item(), 0);
  });

  test("solve: hand cases, including one that needs a row swap", () => {
    assertAllClose(gn.solve(f64([[3, 1], [1, 2]]), f64([9, 8])), [2, 3]);
    assertAllClose(gn.solve(f64([[0, 1], [1, 0]]), f64([2, 3])), [3, 2]);
    assertAllClose(gn.solve(f64([[0, 2, 1], [1, 1, 0], [3, 0, 1]]), f64([[3], [2], [4]])), [[1], [1], [1]]);
  });

  test("solve: A x recovers b, batched, and float32 stays float32", () => {
    const a = wellConditioned(2, [2, 5, 5]);
    const x = gn.random.normal(gn.random.key(3), [2, 5, 3], { dtype: "float64" });
    assertAllClose(gn.solve(a, gn.matmul(a, x)), x, 1e-12);
    const a32 = gn.tensor(a, { dtype: "float32" });
    const y = gn.solve(a32, gn.tensor(x, { dtype: "float32" }));
    assert.equal(y.dtype, "float32");
    assertAllClose(gn.matmul(a32, y), gn.tensor(x, { dtype: "float32" }), 1e-5);
  });

  test("solve broadcasts: a vector against a batch, and batch axes against each other", () => {
    const a = wellConditioned(4, [2, 3, 3]);
    const b = f64([1, -2, 0.5]);
    const x = gn.solve(a, b);
    assert.deepEqual(x.shape, [2, 3]);
    for (let i = 0; i < 2; i++) {
      const ai = gn.slice(a, [i], [i + 1]).reshape([3, 3]);
      assertAllClose(gn.slice(x, [i], [i + 1]).reshape([3]), gn.solve(ai, b), 1e-12, `batch ${i}`);
    }
    const y = gn.solve(gn.reshape(a, [2, 1, 3, 3]), gn.ones([4, 3, 2], { dtype: "float64" }));
    assert.deepEqual(y.shape, [2, 4, 3, 2]);
    assertAllClose(gn.matmul(gn.reshape(a, [2, 1, 3, 3]), y), gn.ones([2, 4, 3, 2], { dtype: "float64" }), 1e-12);
  });

  test("triangularSolve: lower, upper, transposed, unit diagonal", () => {
    const l = f64([[2, 0], [1, 1]]);
    assertAllClose(gn.triangularSolve(l, f64([2, 3]), { lower: true }), [1, 2]);
    assertAllClose(gn.triangularSolve(l, f64([4, 2]), { lower: true, transposeA: true }), [1, 2]);
    const u = f64([[2, 4], [0, 5]]);
    assertAllClose(gn.triangularSolve(u, f64([10, 5]), { lower: false }), [3, 1]);
    // Unit diagonal: the 7s on the diagonal are never read.
    assertAllClose(gn.triangularSolve(f64([[7, 0], [3, 7]]), f64([1, 5]), { lower: true, unitDiagonal: true }), [1, 2]);
  });

  test("triangularSolve reads only the named triangle and agrees with solve on it", () => {
    const a = wellConditioned(5, [2, 4, 4]);
    const b = gn.random.normal(gn.random.key(6), [2, 4, 3], { dtype: "float64" });
    const rows = gn.arange(4).reshape([4, 1]);
    const cols = gn.arange(4).reshape([1, 4]);
    const lower = gn.where(gn.greaterEqual(rows, cols), a, 0);
    const upper = gn.where(gn.lessEqual(rows, cols), a, 0);
    assertAllClose(gn.triangularSolve(a, b, { lower: true }), gn.solve(lower, b), 1e-12, "lower");
    assertAllClose(gn.triangularSolve(a, b, { lower: false }), gn.solve(upper, b), 1e-12, "upper");
    assertAllClose(gn.triangularSolve(a, b, { lower: true, transposeA: true }), gn.solve(T(lower), b), 1e-12, "lower^T");
  });

  test("inv: hand case and A inv(A) = I, batched", () => {
    assertAllClose(gn.inv(f64([[4, 7], [2, 6]])), [[0.6, -0.7], [-0.2, 0.4]]);
    const a = wellConditioned(7, [3, 4, 4]);
    assertAllClose(gn.matmul(a, gn.inv(a)), gn.broadcastTo(gn.eye(4, 4, { dtype: "float64" }), [3, 4, 4]), 1e-12);
  });

  test("det, slogdet and logdet: hand cases and signs", () => {
    assertAllClose(gn.det(f64([[1, 2], [3, 4]])), -2);
    assertAllClose(gn.det(f64([[2, 0, 1], [1, 3, 2], [1, 1, 2]])), 6);
    const { sign, logAbsDet } = gn.slogdet(f64([[0, 2], [3, 0]]));
    assert.equal(sign.item(), -1);
    assertAllClose(logAbsDet, Math.log(6));
    assertAllClose(gn.logdet(f64([[2, 0], [0, -3]])), Math.log(6));
    assertAllClose(gn.det(f64([[2, 0], [0, -3]])), -6);
  });

  test("det of a product is the product of dets; logdet of an SPD matrix is 2 sum log diag(L)", () => {
    const a = wellConditioned(8, [2, 4, 4]);
    const b = wellConditioned(9, [2, 4, 4]);
    assertAllClose(gn.det(gn.matmul(a, b)), gn.mul(gn.det(a), gn.det(b)), 1e-10);
    const s = spd(10, [3, 5, 5]);
    const viaChol = gn.mul(gn.sum(gn.log(gn.diagonal(gn.cholesky(s))), -1), 2);
    assertAllClose(gn.logdet(s), viaChol, 1e-12);
  });

  test("diagonal and trace, square, rectangular and batched", () => {
    assertAllClose(gn.diagonal(f64([[1, 2, 3], [4, 5, 6]])), [1, 5]);
    assertAllClose(gn.trace(f64([[1, 2], [3, 4], [5, 6]])), 5);
    assertAllClose(gn.trace(f64([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])), [5, 13]);
    // An infinity off the diagonal does not leak into the diagonal.
    assertAllClose(gn.diagonal(f64([[1, Infinity], [NaN, 2]])), [1, 2]);
  });

  test("integer inputs are computed in float32", () => {
    const x = gn.solve(gn.tensor([[2, 0], [0, 4]], { dtype: "int32" }), gn.tensor([2, 2], { dtype: "int32" }));
    assert.equal(x.dtype, "float32");
    assertAllClose(x, [1, 0.5], 1e-7);
  });
});

describe("linalg singular and indefinite inputs", () => {
  const singular = f64([[1, 2], [2, 4]]);

  test("solve and inv of a singular matrix give non-finite values, not an error", () => {
    assert.ok(allNonFinite(gn.solve(singular, f64([1, 1]))));
    assert.ok(allNonFinite(gn.inv(singular)));
  });

  test("det of a singular matrix is 0; slogdet gives sign 0 and -Infinity", () => {
    assert.equal(gn.det(singular).item(), 0);
    const { sign, logAbsDet } = gn.slogdet(singular);
    assert.equal(sign.item(), 0);
    assert.equal(logAbsDet.item(), -Infinity);
    assert.equal(gn.logdet(singular).item(), -Infinity);
  });

  test("triangularSolve with a zero on the diagonal gives non-finite values", () => {
    assert.ok(allNonFinite(gn.triangularSolve(f64([[1, 0], [1, 0]]), f64([1, 1]), { lower: true })));
  });

  test("cholesky of a matrix that is not positive definite is NaN for that matrix only", () => {
    const batch = gn.stack([f64([[4, 2], [2, 5]]), f64([[1, 2], [2, 1]]), f64([[NaN, 0], [0, 1]])]);
    const l = gn.cholesky(batch).toTypedArray();
    assert.deepEqual([...l.slice(0, 4)], [2, 0, 1, 2]);
    assert.ok([...l.slice(4)].every(Number.isNaN));
  });

  test("debugNans names solve when a singular matrix produces an infinity", () => {
    gn.debugNans(true);
    try {
      assert.throws(() => gn.solve(singular, f64([1, 1])), (e: Error) => e instanceof gn.NonFiniteError && /^solve produced/.test(e.message));
    } finally {
      gn.debugNans(false);
    }
  });
});

describe("linalg derivatives (checkGrads, order 2, forward and reverse)", () => {
  const opts = { order: 2 };
  const a3 = wellConditioned(11, [3, 3]);
  const aBatch = wellConditioned(12, [2, 3, 3]);
  const s3 = spd(13, [3, 3]);
  const sBatch = spd(14, [2, 3, 3]);
  const b = gn.random.normal(gn.random.key(15), [3, 2], { dtype: "float64" });
  const v = gn.random.normal(gn.random.key(16), [3], { dtype: "float64" });

  test("solve with a matrix, a vector, and broadcast batches", () => {
    assert.ok(gn.checkGrads((a, y) => gn.solve(a, y), [a3, b], opts) > 0);
    assert.ok(gn.checkGrads((a, y) => gn.solve(a, y), [aBatch, v], opts) > 0);
    assert.ok(gn.checkGrads((a, y) => gn.solve(a, y), [aBatch, gn.random.normal(gn.random.key(17), [4, 1, 3, 2], { dtype: "float64" })], opts) > 0);
  });

  test("cholesky, single and batched (with a non-symmetric perturbation direction)", () => {
    assert.ok(gn.checkGrads((a) => gn.cholesky(a), [s3], opts) > 0);
    assert.ok(gn.checkGrads((a) => gn.cholesky(a), [sBatch], opts) > 0);
  });

  test("triangularSolve in every option combination", () => {
    for (const lower of [true, false])
      for (const transposeA of [false, true])
        for (const unitDiagonal of [false, true])
          assert.ok(gn.checkGrads((a, y) => gn.triangularSolve(a, y, { lower, transposeA, unitDiagonal }), [aBatch, v], opts) > 0, JSON.stringify({ lower, transposeA, unitDiagonal }));
  });

  test("inv, det, logdet, slogdet and trace, batched", () => {
    assert.ok(gn.checkGrads((a) => gn.inv(a), [aBatch], opts) > 0);
    assert.ok(gn.checkGrads((a) => gn.det(a), [aBatch], opts) > 0);
    assert.ok(gn.checkGrads((a) => gn.logdet(a), [aBatch], opts) > 0);
    assert.ok(gn.checkGrads((a) => gn.slogdet(a).logAbsDet, [a3], opts) > 0);
    assert.ok(gn.checkGrads((a) => gn.trace(gn.matmul(a, a)), [aBatch], opts) > 0);
  });

  test("a Gaussian negative log-likelihood through cholesky and triangularSolve", () => {
    const nll = (s: gn.Tensor, x: gn.Tensor) => {
      const l = gn.cholesky(s);
      const z = gn.triangularSolve(l, x, { lower: true });
      return gn.add(gn.sum(gn.log(gn.diagonal(l))), gn.mul(gn.sum(gn.square(z)), 0.5));
    };
    assert.ok(gn.checkGrads(nll, [sBatch, gn.random.normal(gn.random.key(18), [2, 3, 1], { dtype: "float64" })], opts) > 0);
  });

  test("closed forms: d det / dA is the cofactor matrix; d logdet / dA = A^-T; cholesky's gradient is symmetric", () => {
    assertAllClose(gn.grad((a: gn.Tensor) => gn.det(a))(f64([[1, 2], [3, 4]])), [[4, -3], [-2, 1]], 1e-12);
    assertAllClose(gn.grad((a: gn.Tensor) => gn.sum(gn.logdet(a)))(aBatch), T(gn.inv(aBatch)), 1e-12);
    const g = gn.grad((a: gn.Tensor) => gn.sum(gn.mul(gn.cholesky(a), gn.arange(9, undefined, 1, { dtype: "float64" }).reshape([3, 3]))))(s3);
    assertAllClose(g, T(g), 1e-14, "symmetric");
  });

  test("triangularSolve's gradient with respect to A is zero outside the triangle it reads", () => {
    const g = gn.grad((a: gn.Tensor) => gn.sum(gn.triangularSolve(a, b, { lower: true, unitDiagonal: true })))(a3).toArray() as number[][];
    for (let i = 0; i < 3; i++) for (let j = i; j < 3; j++) assert.ok(g[i][j] === 0, `[${i}][${j}] is ${g[i][j]}`);
    assert.ok(g[1][0] !== 0);
  });
});

describe("linalg errors", () => {
  const sq = f64([[1, 0], [0, 1]]);

  test("non-square and rank < 2 inputs name the op, the argument and the shape", () => {
    assert.throws(() => gn.cholesky(f64([[1, 2, 3], [4, 5, 6]])), (e: Error) => e instanceof gn.ShapeError && /^cholesky: A \(argument 0\) must be square, got shape \[2, 3\]/.test(e.message));
    assert.throws(() => gn.inv(f64([1, 2])), (e: Error) => e instanceof gn.ShapeError && /^inv: A \(argument 0\).*shape \[2\] \(rank 1\)/.test(e.message));
    assert.throws(() => gn.det(f64([[1, 2]])), (e: Error) => e instanceof gn.ShapeError && /^slogdet: .*\[1, 2\]/.test(e.message));
    assert.throws(() => gn.logdet(f64(3 as unknown as gn.NestedArray)), (e: Error) => e instanceof gn.ShapeError && /^logdet:/.test(e.message));
    assert.throws(() => gn.solve(f64([[1, 2, 3], [4, 5, 6]]), f64([1, 2])), (e: Error) => e instanceof gn.ShapeError && /^solve: A \(argument 0\) must be square/.test(e.message));
    assert.throws(() => gn.trace(f64([1, 2])), (e: Error) => e instanceof gn.ShapeError && /^trace: .*\[2\]/.test(e.message));
  });

  test("a right-hand side with the wrong rows or batch axes", () => {
    assert.throws(() => gn.solve(sq, f64([1, 2, 3])), (e: Error) => e instanceof gn.ShapeError && /^solve: b \(argument 1\) has shape \[3\], so 3 rows, but A \[2, 2\] needs 2/.test(e.message));
    assert.throws(() => gn.triangularSolve(sq, gn.ones([2, 3, 1], { dtype: "float64" }), { lower: true }), (e: Error) => e instanceof gn.ShapeError && /^triangularSolve: b .* 3 rows/.test(e.message));
    assert.throws(() => gn.solve(gn.ones([2, 2, 2], { dtype: "float64" }), gn.ones([3, 2, 1], { dtype: "float64" })), (e: Error) => e instanceof gn.ShapeError && /^solve: shapes \[2\] and \[3\] cannot be broadcast/.test(e.message));
    assert.throws(() => gn.solve(sq, f64(1 as unknown as gn.NestedArray)), (e: Error) => e instanceof gn.ShapeError && /^solve: b \(argument 1\) must be a vector/.test(e.message));
  });

  test("the primitives reject unequal batch axes, mixed dtypes, integer matrices and bad options", () => {
    const a = gn.ones([2, 3, 3], { dtype: "float64" });
    assert.throws(() => bind("solve", [a, gn.ones([4, 3, 1], { dtype: "float64" })], {}), (e: Error) => e instanceof gn.ShapeError && /^solve: the batch axes of A \[2, 3, 3\] and B \[4, 3, 1\] differ/.test(e.message));
    assert.throws(() => bind("solve", [a, gn.ones([2, 3, 1], { dtype: "float32" })], {}), (e: Error) => e instanceof gn.DTypeError && /^solve: argument 1 has dtype float32 but argument 0 has float64/.test(e.message));
    assert.throws(() => bind("cholesky", [gn.ones([2, 2], { dtype: "int32" })], {}), (e: Error) => e instanceof gn.DTypeError && /^cholesky: argument 0 must be float32 or float64, got int32/.test(e.message));
    assert.throws(() => bind("solve", [a, gn.ones([2, 3], { dtype: "float64" })], {}), (e: Error) => e instanceof gn.ShapeError && /^solve: B \(argument 1\) must have the rank of A/.test(e.message));
    assert.throws(() => gn.triangularSolve(sq, f64([1, 2]), {} as gn.TriangularSolveOptions), (e: Error) => e instanceof gn.ValueError && /^triangularSolve: option lower must be a boolean/.test(e.message));
  });
});
