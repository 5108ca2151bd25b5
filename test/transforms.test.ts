import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";
import { assertAllClose } from "./helpers.js";
import { bind } from "../src/engine/trace.js";

const f64 = (x: number | number[] | number[][]) => gn.tensor(x as number[], { dtype: "float64" });

test("grad of a polynomial, and its higher derivatives by nesting", () => {
  const f = (x: gn.Tensor) => x.pow(4).sum();
  const d1 = gn.grad(f);
  const d2 = gn.grad((x: gn.Tensor) => d1(x).sum());
  const d3 = gn.grad((x: gn.Tensor) => d2(x).sum());
  const x = f64([1, -2]);
  assertAllClose(d1(x).toArray(), [4, -32]);
  assertAllClose(d2(x).toArray(), [12, 48]);
  assertAllClose(d3(x).toArray(), [24, -48]);
});

test("second derivatives of sigmoid, tanh and exp match their closed forms in both modes", () => {
  const x = 0.7;
  const s = 1 / (1 + Math.exp(-x));
  const t = Math.tanh(x);
  const cases: [(v: gn.Tensor) => gn.Tensor, number][] = [
    [(v) => gn.sigmoid(v), s * (1 - s) * (1 - 2 * s)],
    [(v) => gn.tanh(v), -2 * t * (1 - t * t)],
    [(v) => gn.exp(v), Math.exp(x)],
  ];
  for (const [f, want] of cases) {
    const rev = gn.grad((v: gn.Tensor) => gn.grad(f)(v))(gn.scalar(x, "float64")).item();
    const fwd = gn.jvp((v: gn.Tensor) => gn.jvp(f, [v], [gn.scalar(1, "float64")])[1], [gn.scalar(x, "float64")], [gn.scalar(1, "float64")])[1].item();
    const mixed = gn.jvp((v: gn.Tensor) => gn.grad(f)(v), [gn.scalar(x, "float64")], [gn.scalar(1, "float64")])[1].item();
    for (const got of [rev, fwd, mixed]) assert.ok(Math.abs(got - want) < 1e-12, `${got} vs ${want}`);
  }
});

test("nested transforms do not confuse perturbations", () => {
  // d/dx [ x * d/dy (x * y) ] = d/dx [x * x] = 2x: a naive tape would give x (Siskind & Pearlmutter).
  const g = gn.grad((x: gn.Tensor) => x.mul(gn.grad((y: gn.Tensor) => x.mul(y))(gn.scalar(4, "float64"))));
  assert.equal(g(gn.scalar(3, "float64")).item(), 6);
  // The same in forward mode inside reverse mode.
  const h = gn.grad((x: gn.Tensor) => x.mul(gn.jvp((y: gn.Tensor) => x.mul(y), [gn.scalar(4, "float64")], [gn.scalar(1, "float64")])[1]));
  assert.equal(h(gn.scalar(3, "float64")).item(), 6);
});

test("vjp returns a reusable pullback; jvp returns the directional derivative", () => {
  const A = f64([[1, 2], [3, 4], [5, 6]]);
  const f = (x: gn.Tensor) => gn.matmul(A, x).tanh();
  const x = f64([0.1, -0.2]);
  const [y, pullback] = gn.vjp(f, x);
  assert.deepEqual(y.shape, [3]);
  const J = gn.jacrev(f)(x);
  const u = f64([1, 0.5, -1]);
  const [gx] = pullback(u);
  assertAllClose(gx.toArray(), gn.matmul(u, J).toArray(), 1e-12);
  const [gx2] = pullback(f64([0, 0, 1]));
  assertAllClose(gx2.toArray(), J.slice([2]).reshape([2]).toArray(), 1e-12);
  const [, t] = gn.jvp(f, [x], [f64([1, 1])]);
  assertAllClose(t.toArray(), gn.matmul(J, f64([1, 1])).toArray(), 1e-12);
});

test("jacfwd and jacrev agree and have shape out.shape + in.shape", () => {
  const f = (x: gn.Tensor) => gn.outer(x.sin(), x.square());
  const x = f64([0.3, -1.1, 2]);
  const a = gn.jacfwd(f)(x);
  const b = gn.jacrev(f)(x);
  assert.deepEqual(a.shape, [3, 3, 3]);
  assertAllClose(a.toArray(), b.toArray(), 1e-12);
  assertAllClose(gn.jacobian(f)(x).toArray(), b.toArray(), 1e-12);
});

test("hessian and hvp of the Rosenbrock function match the closed form", () => {
  const rosen = (v: gn.Tensor) => {
    const x = v.slice([0], [1]);
    const y = v.slice([1], [2]);
    return gn.add(gn.square(gn.sub(1, x)), gn.mul(100, gn.square(gn.sub(y, x.square())))).sum();
  };
  const p = f64([-1.2, 1]);
  const [x, y] = [-1.2, 1];
  const H = [
    [2 - 400 * (y - 3 * x * x), -400 * x],
    [-400 * x, 200],
  ];
  assertAllClose(gn.hessian(rosen)(p).toArray(), H, 1e-10);
  const v = [0.5, -2];
  const Hv = [H[0][0] * v[0] + H[0][1] * v[1], H[1][0] * v[0] + H[1][1] * v[1]];
  assertAllClose(gn.hvp(rosen, [p], [f64(v)]).toArray(), Hv, 1e-10);
});

test("grad over trees, argnums and hasAux", () => {
  const params = { w: f64([[1, 2], [3, 4]]), b: [f64([0.5, -0.5])] };
  const x = f64([1, -1]);
  const loss = (p: typeof params, input: gn.Tensor) => {
    const y = gn.matmul(p.w, input).add(p.b[0]);
    return [y.square().sum(), { y }] as const;
  };
  const [[value, aux], g] = gn.valueAndGrad(loss, { hasAux: true })(params, x);
  // y = W x + b = [-1 + 0.5, -1 - 0.5] = [-0.5, -1.5]; dL/dy = 2y
  assertAllClose(aux.y.toArray(), [-0.5, -1.5]);
  assertAllClose(value.item(), 0.25 + 2.25);
  assertAllClose(g.w.toArray(), [[-1, 1], [-3, 3]]);
  assertAllClose(g.b[0].toArray(), [-1, -3]);
  const [gp, gx] = gn.grad((p: typeof params, input: gn.Tensor) => loss(p, input)[0], { argnums: [0, 1] })(params, x);
  assert.ok(gp.w instanceof gn.Tensor);
  // dL/dx = W^T dL/dy = [[1, 3], [2, 4]] [-1, -3] = [-10, -14]
  assertAllClose(gx.toArray(), [-10, -14]);
});

test("grad accepts plain numbers and treats closed-over tensors as constants", () => {
  const c = gn.scalar(3, "float64");
  // d/dx (3x)^2 = 18x
  assertAllClose(gn.grad((x: gn.Tensor) => x.mul(c).square())(2).item(), 36);
});

test("stopGradient blocks derivatives at every level", () => {
  const f = (x: gn.Tensor) => x.mul(gn.stopGradient(x));
  assert.equal(gn.grad(f)(gn.scalar(3, "float64")).item(), 3);
  const d2 = gn.grad((x: gn.Tensor) => gn.grad(f)(x));
  assert.equal(d2(gn.scalar(3, "float64")).item(), 0);
});

test("customJvp supplies a stable rule used by both modes and at second order", () => {
  let calls = 0;
  const logistic = gn.customJvp(
    (x: gn.Tensor) => gn.div(1, gn.add(1, gn.exp(gn.neg(x)))),
    ([x], [t], out) => {
      calls++;
      return t.mul(out).mul(gn.sub(1, out));
    },
  );
  const x = f64([0.3, -40]);
  const g = gn.grad((v: gn.Tensor) => logistic(v).sum())(x);
  assert.ok(calls > 0);
  const ref = gn.grad((v: gn.Tensor) => gn.sigmoid(v).sum())(x);
  assertAllClose(g.toArray(), ref.toArray(), 1e-12);
  const [, t] = gn.jvp(logistic, [x], [f64([1, 1])]);
  assertAllClose(t.toArray(), ref.toArray(), 1e-12);
  const h = gn.hessian((v: gn.Tensor) => logistic(v).sum())(x);
  const href = gn.hessian((v: gn.Tensor) => gn.sigmoid(v).sum())(x);
  assertAllClose(h.toArray(), href.toArray(), 1e-10);
  gn.checkGrads((v: gn.Tensor) => logistic(v), [f64([0.3, -1.5])], { order: 2 });
});

test("customVjp replaces the reverse rule (gradient clipping) and is differentiated through fwd in forward mode", () => {
  const clipGrad = gn.customVjp(
    (x: gn.Tensor) => x.mul(1),
    (x: gn.Tensor) => [x.mul(1), null],
    (_res: null, ct: gn.Tensor) => [gn.clip(ct, -1, 1)],
  );
  const g = gn.grad((x: gn.Tensor) => clipGrad(x).mul(10).sum())(f64([1, 2]));
  assertAllClose(g.toArray(), [1, 1]);
  const [, t] = gn.jvp((x: gn.Tensor) => clipGrad(x).mul(10), [f64([1])], [f64([1])]);
  assertAllClose(t.toArray(), [10]);
});

test("errors a user can act on", () => {
  assert.throws(() => gn.grad((x: gn.Tensor) => x.mul(2))(f64([1, 2])), (e: Error) => e instanceof gn.ShapeError && /scalar/.test(e.message) && /\[2\]/.test(e.message));
  assert.throws(() => gn.grad((x: gn.Tensor) => x.sum())(gn.tensor([1, 2], { dtype: "int32" })), (e: Error) => e instanceof gn.DTypeError && /int32/.test(e.message));
  assert.throws(() => gn.add(gn.ones([2, 3]), gn.ones([4])), (e: Error) => e instanceof gn.ShapeError && /add/.test(e.message) && /\[2, 3\]/.test(e.message) && /\[4\]/.test(e.message));
  assert.throws(() => gn.matmul(gn.ones([2, 3]), gn.ones([2, 3])), (e: Error) => e instanceof gn.ShapeError && /matmul/.test(e.message) && /inner sizes 3 and 2/.test(e.message));
  // The primitive itself (its matrix-vector form included) names what does not fit.
  const prim = (a: number[], b: number[]) => () => bind("matmul", [gn.ones(a), gn.ones(b)], {});
  assert.throws(prim([3, 4], [5]), (e: Error) => e instanceof gn.ShapeError && /\[3, 4\] by \[5\]: inner sizes 4 and 5 differ/.test(e.message));
  assert.throws(prim([2, 3, 4], [3, 4]), (e: Error) => e instanceof gn.ShapeError && /batch axes \[2\] and \[3\] differ/.test(e.message));
  assert.throws(prim([4], [4]), (e: Error) => e instanceof gn.ShapeError && /ranks 1 and 1/.test(e.message));
  assert.throws(prim([2, 3, 4], [2, 4, 5, 6]), (e: Error) => e instanceof gn.ShapeError && /ranks 3 and 4/.test(e.message));
  let leaked: gn.Tensor | null = null;
  gn.grad((x: gn.Tensor) => {
    leaked = x.mul(2);
    return x.sum();
  })(f64([1]));
  assert.throws(() => leaked!.add(1), (e: Error) => e instanceof gn.LeakedTracerError);
});

test("debugNans names the first op that produced a NaN or infinity", () => {
  gn.debugNans(true);
  try {
    assert.throws(
      () => gn.grad((x: gn.Tensor) => gn.log(x).sum())(f64([1, 0])),
      (e: Error) => e instanceof gn.NonFiniteError && /^log produced -Infinity at index 1/.test(e.message),
    );
    // NaN flowing in from the inputs is not blamed on later ops.
    gn.add(f64([NaN]), 1);
  } finally {
    gn.debugNans(false);
  }
});

test("documented edge cases: sqrt and log at 0, max ties, where with NaN in the untaken branch, integer inputs", () => {
  assert.equal(gn.grad((x: gn.Tensor) => gn.sqrt(x))(gn.scalar(0, "float64")).item(), Infinity);
  assert.equal(gn.grad((x: gn.Tensor) => gn.log(x))(gn.scalar(0, "float64")).item(), Infinity);
  assertAllClose(gn.grad((x: gn.Tensor) => gn.max(x))(f64([1, 3, 3])).toArray(), [0, 0.5, 0.5]);
  assertAllClose(gn.grad((x: gn.Tensor) => gn.maximum(x, 1).sum())(f64([1, 2])).toArray(), [0.5, 1]);
  // The untaken branch's derivative is NaN (sqrt'(-1)), and 0 * NaN = NaN: the well-known pitfall.
  const naive = (x: gn.Tensor) => gn.where(gn.greater(x, 0), gn.sqrt(x), 0).sum();
  assert.ok(Number.isNaN(gn.grad(naive)(f64([-1])).item()));
  // The fix: guard the input of the branch too ("double where").
  const safe = (x: gn.Tensor) => {
    const pos = gn.greater(x, 0);
    return gn.where(pos, gn.sqrt(gn.where(pos, x, 1)), 0).sum();
  };
  assert.equal(gn.grad(safe)(f64([-1])).item(), 0);
  assert.equal(gn.grad(safe)(f64([4])).item(), 0.25);
  assert.throws(() => gn.grad((x: gn.Tensor) => x.sum())(gn.tensor([1], { dtype: "int32" })), gn.DTypeError);
  // Integer tensors inside a differentiated function are constants.
  const idx = gn.tensor([1, 0], { dtype: "int32" });
  assertAllClose(gn.grad((x: gn.Tensor) => x.take(idx).mul(gn.tensor([1, 10], { dtype: "float64" })).sum())(f64([5, 6])).toArray(), [10, 1]);
});

test("checkGrads catches a wrong derivative rule", () => {
  const wrong = gn.customJvp(
    (x: gn.Tensor) => gn.sin(x),
    ([x], [t]) => t.mul(gn.cos(x)).mul(1.01),
  );
  assert.throws(() => gn.checkGrads(wrong, [f64([0.5])], { order: 1 }), gn.GradCheckError);
  assert.ok(gn.checkGrads((x: gn.Tensor) => gn.sin(x), [f64([0.5])], { order: 3 }) >= 2 + 4 + 8);
});
