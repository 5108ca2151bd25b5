/** The test-function library: minima where documented, shapes checked, condition numbers as asked. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const T = gn.optim.testFunctions;
const f64 = { dtype: "float64" } as const;

test("each function takes its documented minimum value, with zero gradient, at each documented minimizer", () => {
  const fns = [T.quadratic({ dim: 3, condition: 50, rotate: true }), T.rosenbrock(2), T.rosenbrock(5), T.beale(), T.himmelblau(), T.booth(), T.rastrigin(3)];
  for (const fn of fns) {
    assert.ok(fn.minimizers.length >= 1, fn.name);
    for (const m of fn.minimizers) {
      const x = gn.tensor(m, f64);
      const [v, g] = gn.valueAndGrad(fn.f)(x);
      assert.ok(Math.abs(v.item() - fn.fMin!) < 1e-10, `${fn.name} at ${m}: ${v.item()}`);
      assert.ok(gn.optim.globalNorm(g) < 1e-6, `${fn.name}: gradient at ${m} is ${gn.optim.globalNorm(g)}`);
    }
    // The start is not a minimizer, and the value there is finite.
    const f0 = fn.f(fn.init()).item();
    assert.ok(Number.isFinite(f0) && f0 > fn.fMin! + 1e-3, `${fn.name} start`);
    assert.equal(fn.init().shape[0], fn.dim);
    assert.equal(fn.bounds.length, fn.dim);
  }
});

test("values at the standard starts match the formulas", () => {
  assert.ok(Math.abs(T.rosenbrock(2).f(T.rosenbrock(2).init()).item() - 24.2) < 1e-12);
  // beale(1, 1) = (1.5 - 1 + 1)^2 + (2.25 - 1 + 1)^2 + (2.625 - 1 + 1)^2
  assert.ok(Math.abs(T.beale().f(T.beale().init()).item() - (1.5 ** 2 + 2.25 ** 2 + 2.625 ** 2)) < 1e-12);
  assert.ok(Math.abs(T.himmelblau().f(T.himmelblau().init()).item() - (121 + 49)) < 1e-12);
  assert.ok(Math.abs(T.booth().f(T.booth().init()).item() - (49 + 25)) < 1e-12);
  const x = [0.3, -0.2];
  const ras = 20 + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0);
  assert.ok(Math.abs(T.rastrigin(2).f(T.rastrigin(2).init()).item() - ras) < 1e-12);
  const r = Math.sqrt((0.09 + 0.04) / 2);
  const ack = -20 * Math.exp(-0.2 * r) - Math.exp((Math.cos(0.6 * Math.PI) + Math.cos(-0.4 * Math.PI)) / 2) + 20 + Math.E;
  assert.ok(Math.abs(T.ackley(2).f(T.ackley(2).init()).item() - ack) < 1e-12);
  assert.ok(Math.abs(T.ackley(2).f(gn.zeros([2], f64)).item()) < 1e-12);
});

test("quadratic has the asked condition number, rotated or not", () => {
  for (const rotate of [false, true]) {
    const q = T.quadratic({ dim: 4, condition: 1000, rotate });
    const H = gn.hessian(q.f)(q.init()) as gn.Tensor;
    const h = H.toArray() as number[][];
    // Eigenvalues of the symmetric 4x4 Hessian by Jacobi sweeps (small, so done here by hand).
    const a = h.map((r) => [...r]);
    for (let sweep = 0; sweep < 50; sweep++)
      for (let p = 0; p < 4; p++)
        for (let k = p + 1; k < 4; k++) {
          if (Math.abs(a[p][k]) < 1e-15) continue;
          const th = 0.5 * Math.atan2(2 * a[p][k], a[k][k] - a[p][p]);
          const c = Math.cos(th), s = Math.sin(th);
          for (let i = 0; i < 4; i++) [a[i][p], a[i][k]] = [c * a[i][p] - s * a[i][k], s * a[i][p] + c * a[i][k]];
          for (let i = 0; i < 4; i++) [a[p][i], a[k][i]] = [c * a[p][i] - s * a[k][i], s * a[p][i] + c * a[k][i]];
        }
    const eig = [0, 1, 2, 3].map((i) => a[i][i]).sort((x, y) => x - y);
    assert.ok(Math.abs(eig[3] / eig[0] - 1000) < 1e-6, `condition ${eig[3] / eig[0]}`);
    assert.ok(Math.abs(eig[0] - 1) < 1e-9);
    const offDiagonal = h.some((r, i) => r.some((v, j) => i !== j && Math.abs(v) > 1e-9));
    assert.equal(offDiagonal, rotate, "rotation mixes the coordinates");
  }
});

test("logistic regression: a tree of parameters, log 2 at zero, convex and minimised by L-BFGS", () => {
  const lr = T.logisticRegression({ n: 100, d: 4, l2: 0.1 });
  const p0 = lr.init();
  assert.deepEqual(Object.keys(p0), ["w", "b"]);
  assert.ok(Math.abs(lr.f(p0).item() - Math.LN2) < 1e-12);
  const r = gn.optim.minimizeSync(lr.f, p0, { optimizer: gn.optim.lbfgs(), tolerance: 1e-9, steps: 200 });
  assert.equal(r.status, "gradNorm");
  assert.ok(r.loss < Math.LN2);
  // Same data for the same seed; other data for another seed.
  assert.equal(T.logisticRegression({ n: 100, d: 4, l2: 0.1 }).f(r.params).item(), r.loss);
  assert.notEqual(T.logisticRegression({ n: 100, d: 4, l2: 0.1, seed: 1 }).f(r.params).item(), r.loss);
  // float32 parameters work too.
  assert.equal(lr.f(lr.init("float32")).dtype, "float32");
});

test("wrong shapes and dimensions are refused with the function's name", () => {
  assert.throws(() => T.beale().f(gn.zeros([3])), /beale: expects a vector of 2 parameters, got shape \[3\]/);
  assert.throws(() => T.rosenbrock(1), /rosenbrock: the dimension must be an integer >= 2/);
  assert.throws(() => T.quadratic({ condition: 0.5 }), /condition must be a finite number >= 1/);
});
