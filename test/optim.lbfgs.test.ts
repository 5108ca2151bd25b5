/** Line searches and L-BFGS. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const O = gn.optim;
const T = O.testFunctions;

test("strongWolfe returns a point meeting both strong Wolfe conditions, and records every trial", () => {
  // phi(a) = (a - 3)^2 + 0.1 a^4 - a: a smooth 1-D function with its minimum well beyond a = 1.
  const phi = (a: number) => ({ alpha: a, loss: (a - 3) ** 2 + 0.1 * a ** 4 - a, slope: 2 * (a - 3) + 0.4 * a ** 3 - 1 });
  const p0 = phi(0);
  for (const [c1, c2, a0] of [[1e-4, 0.9, 1], [1e-4, 0.1, 1], [0.3, 0.4, 0.01], [1e-4, 0.9, 50]]) {
    const r = O.strongWolfe(phi, p0.loss, p0.slope, { c1, c2, initialStep: a0 });
    assert.equal(r.status, "wolfe");
    const p = r.point;
    assert.ok(p.loss <= p0.loss + c1 * p.alpha * p0.slope, "sufficient decrease");
    assert.ok(Math.abs(p.slope!) <= c2 * Math.abs(p0.slope), "strong curvature");
    const last = r.trials[r.trials.length - 1];
    assert.equal(last.alpha, p.alpha);
    assert.equal(last.armijo, true);
    assert.equal(last.curvature, true);
    for (const t of r.trials) {
      assert.equal(t.armijo, t.loss <= p0.loss + c1 * t.alpha * p0.slope);
      assert.equal(t.curvature, Math.abs(t.slope!) <= c2 * Math.abs(p0.slope));
    }
  }
  // Not a descent direction: fails without evaluating.
  const up = O.strongWolfe(phi, 1, 0.5);
  assert.equal(up.status, "failed");
  assert.equal(up.point.alpha, 0);
  assert.equal(up.trials.length, 0);
  // NaN beyond a = 2 counts as too far.
  const nanBeyond = (a: number) => (a > 2 ? { alpha: a, loss: NaN, slope: NaN } : phi(a));
  const rn = O.strongWolfe(nanBeyond, p0.loss, p0.slope, { initialStep: 4 });
  assert.ok(rn.point.alpha > 0 && rn.point.alpha <= 2 && Number.isFinite(rn.point.loss));
});

test("backtracking halves until sufficient decrease", () => {
  const f = (a: number) => (a - 0.3) ** 2;
  const r = O.backtracking(f, f(0), -0.6, { c1: 1e-4 });
  // 1 and 0.5 fail the Armijo test? f(1) = 0.49 > 0.09; f(0.5) = 0.04 <= 0.09 - 0.00003.
  assert.deepEqual(r.trials.map((t) => t.alpha), [1, 0.5]);
  assert.deepEqual(r.trials.map((t) => t.armijo), [false, true]);
  assert.equal(r.point.alpha, 0.5);
  assert.equal(r.status, "armijo");
  const never = O.backtracking(() => 10, 1, -1, { maxEvals: 5 });
  assert.equal(never.status, "failed");
  assert.equal(never.point.alpha, 0);
  assert.equal(never.trials.length, 5);
});

test("the two-loop recursion satisfies the secant equation for the newest pair", () => {
  const s = [gn.tensor([1, 0.5, -0.2], { dtype: "float64" }), gn.tensor([0.3, -1, 0.7], { dtype: "float64" })];
  const H = gn.tensor([[3, 0.5, 0], [0.5, 2, 0.3], [0, 0.3, 1]], { dtype: "float64" });
  const y = s.map((si) => H.matmul(si));
  const rho = s.map((si, i) => 1 / O.treeVdot(si, y[i]));
  const gamma = O.treeVdot(s[1], y[1]) / O.treeVdot(y[1], y[1]);
  const hy = O.lbfgsTwoLoop(y[1], s, y, rho, gamma) as gn.Tensor;
  Array.from(hy.toTypedArray()).forEach((v, i) => assert.ok(Math.abs(v - s[1].toTypedArray()[i]) < 1e-12, `H y = s at ${i}`));
});

test("L-BFGS reaches |grad| < 1e-8 on 2-D Rosenbrock from (-1.2, 1) in at most 60 evaluations (SciPy's L-BFGS-B: 47)", () => {
  const r = T.rosenbrock(2);
  const res = O.minimizeSync(r.f, r.init("float64"), { optimizer: O.lbfgs(), tolerance: 1e-8, steps: 200 });
  assert.equal(res.status, "gradNorm");
  assert.ok(res.gradNorm < 1e-8);
  assert.ok(res.evals <= 60, `${res.evals} evaluations`);
  Array.from((res.params as gn.Tensor).toTypedArray()).forEach((v) => assert.ok(Math.abs(v - 1) < 1e-8));
  // The trace holds the line-search trials and the curvature pairs used.
  const steps = res.trace.steps;
  assert.equal(steps.reduce((n, s) => n + s.evals, 0), res.evals);
  assert.ok(steps.every((s) => s.lineSearch !== null && s.lineSearch.trials.length >= 1 && s.lbfgs !== null));
  assert.ok(steps.every((s) => s.lineSearch!.status === "wolfe"));
  assert.equal(steps[0].lbfgs!.pairsUsed.length, 0);
  assert.equal(steps[steps.length - 1].lbfgs!.pairsUsed.length, 10);
  assert.ok(steps.slice(1).every((s) => s.lbfgs!.pairsUsed.every((p) => p.sy > 0)));
  // The first trial of the first step has unit length (direction -g/|g|).
  assert.ok(Math.abs(steps[0].lineSearch!.trials[0].alpha - 1) < 1e-15);
});

test("L-BFGS with the backtracking line search also converges on Rosenbrock, and on a 10-D one", () => {
  const r = T.rosenbrock(2);
  const bt = O.minimizeSync(r.f, r.init("float64"), { optimizer: O.lbfgs({ lineSearch: "backtracking" }), tolerance: 1e-8, steps: 300 });
  assert.equal(bt.status, "gradNorm");
  assert.ok(bt.trace.steps.every((s) => s.lineSearch!.method === "backtracking" && s.lineSearch!.trials.every((t) => t.slope === null)));
  const r10 = T.rosenbrock(10);
  const res = O.minimizeSync(r10.f, r10.init("float64"), { optimizer: O.lbfgs({ memory: 5 }), tolerance: 1e-6, steps: 500 });
  assert.equal(res.status, "gradNorm");
  assert.ok(res.loss < 1e-10);
});

test("line searches need the loss function and say so", () => {
  const opt = O.lbfgs();
  const p = gn.tensor([1, 2], { dtype: "float64" });
  assert.throws(() => opt.update(p, opt.init(p), p), /needs the loss function: pass \{ lossFn, loss, grads \}/);
  // With lossFn only, the loss and gradient at params are computed.
  const f = (x: gn.Tensor) => x.square().sum();
  const r = opt.update(gn.grad(f)(p), opt.init(p), p, { lossFn: f });
  assert.equal(r.info.lineSearch?.status, "wolfe");
  assert.ok(f(O.applyUpdates(p, r.updates)).item() < f(p).item());
});
