import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const f64 = { dtype: "float64" as const };

function close(got: number, want: number, tol: number, what = ""): void {
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);
}

function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) [ma, mb] = [ma + a[i] / n, mb + b[i] / n];
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function maxRel(a: gn.Tensor, b: gn.Tensor): number {
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i] - y[i]));
    den = Math.max(den, Math.abs(y[i]));
  }
  return num / den;
}

/** Logistic data from a known model: n rows, d features, labels drawn from the model's probabilities. */
function logisticData(n: number, d: number, seed: number) {
  const [k1, k2, k3] = gn.random.split(gn.random.key(seed), 3);
  const x = gn.random.normal(k1, [n, d], f64);
  const w = gn.random.normal(k2, [d], f64);
  const p = gn.sigmoid(gn.matmul(x, w)).toTypedArray();
  const u = gn.random.uniform(k3, [n], f64).toTypedArray();
  return { x, y: Array.from(p, (pi, i) => (u[i] < pi ? 1 : 0)) };
}

const train = logisticData(80, 3, 1);
const testSet = logisticData(30, 3, 2);
const model = gn.influence.logisticRegression(3);
const problem = gn.influence.trainingProblem(model, train, { l2: 0.01 });
const fit = gn.influence.fitNewton(problem);
const testLoss = gn.influence.meanLoss(model, testSet);

test("fitNewton reaches the optimum: gradient near zero, and no nearby point is lower", () => {
  assert.ok(fit.converged, `gradient ${fit.gradNorm} after ${fit.iterations} steps`);
  assert.ok(fit.gradNorm < 1e-10);
  const f0 = problem.objective(fit.theta).item();
  for (let k = 0; k < 4; k++) {
    const e = gn.tensor(Array.from({ length: 4 }, (_, j) => (j === k ? 1e-4 : 0)), f64);
    assert.ok(problem.objective(fit.theta.add(e)).item() > f0);
    assert.ok(problem.objective(fit.theta.sub(e)).item() > f0);
  }
});

test("the explicit logistic Hessian and per-row gradients equal the generic autodiff ones", () => {
  const h = problem.hessian(fit.theta);
  const generic = gn.hessian((t: gn.Tensor) => problem.objective(t))(fit.theta);
  assert.ok(maxRel(h, generic) < 1e-12, `Hessian differs by ${maxRel(h, generic)}`);
  const g = problem.perSampleGradients(fit.theta, [0, 5, 7]);
  const jac = gn.jacfwd((t: gn.Tensor) => problem.perSampleLoss(t, [0, 5, 7]))(fit.theta);
  assert.ok(maxRel(g, jac) < 1e-12);
  // A Hessian-vector product agrees with the dense Hessian.
  const v = gn.tensor([1, -2, 0.5, 3], f64);
  assert.ok(maxRel(problem.hvp(fit.theta, v), gn.matmul(h, v.reshape([4, 1])).reshape([4])) < 1e-12);
});

test("exact influence predicts leave-one-out retraining (correlation and sign agreement)", () => {
  const inf = gn.influence.influence(problem, fit.theta, testLoss);
  close(inf.value, testLoss(fit.theta).item(), 1e-12, "value");
  const base = inf.value;
  const loo = new Float64Array(problem.n);
  for (let i = 0; i < problem.n; i++) {
    const w = new Float64Array(problem.n).fill(1);
    w[i] = 0;
    const refit = gn.influence.fitNewton(problem.withWeights(w), { theta0: fit.theta });
    assert.ok(refit.converged);
    loo[i] = testLoss(refit.theta).item() - base;
  }
  const r = corr(loo, inf.removal);
  let agree = 0;
  for (let i = 0; i < problem.n; i++) if (Math.sign(loo[i]) === Math.sign(inf.removal[i])) agree++;
  assert.ok(r > 0.97, `correlation ${r}`);
  assert.ok(agree / problem.n > 0.9, `sign agreement ${agree}/${problem.n}`);
  // The rows whose removal hurts most are found by both.
  const topLoo = gn.influence.topRows(loo, 5);
  const topInf = gn.influence.topRows(inf.removal, 5);
  assert.ok(topLoo.filter((i) => topInf.includes(i)).length >= 3, `top rows ${topLoo} vs ${topInf}`);
});

test("CG and LiSSA inverse-HVPs agree with the exact solve", () => {
  const g = gn.grad(testLoss)(fit.theta);
  const exact = gn.influence.inverseHvp(problem, fit.theta, g, { method: "exact" });
  const cg = gn.influence.inverseHvp(problem, fit.theta, g, { method: "cg" });
  assert.ok(cg.iterations <= 4 + 1, `CG took ${cg.iterations} iterations for 4 parameters`);
  assert.ok(maxRel(cg.x, exact.x) < 1e-9, `cg ${maxRel(cg.x, exact.x)}`);
  assert.ok(cg.residual < 1e-9 && exact.residual < 1e-12);
  const lissa = gn.influence.inverseHvp(problem, fit.theta, g, { method: "lissa", lissa: { depth: 300 } });
  assert.ok(maxRel(lissa.x, exact.x) < 1e-6, `full-batch lissa ${maxRel(lissa.x, exact.x)}`);
  assert.ok(lissa.scale! > 0);
  const stochastic = gn.influence.inverseHvp(problem, fit.theta, g, { method: "lissa", lissa: { depth: 200, batchSize: 40, repeats: 3, key: gn.random.key(5) } });
  assert.ok(maxRel(stochastic.x, exact.x) < 0.3, `stochastic lissa ${maxRel(stochastic.x, exact.x)}`);
  // Damping solves (H + δI) x = b.
  const damped = gn.influence.inverseHvp(problem, fit.theta, g, { method: "cg", damping: 0.5 });
  const back = problem.hvp(fit.theta, damped.x).add(damped.x.mul(0.5));
  assert.ok(maxRel(back, g) < 1e-9);
  assert.throws(() => gn.influence.inverseHvp(problem, fit.theta, g, { method: "lisa" as never }), /unknown method "lisa"/);
  assert.throws(() => gn.influence.inverseHvp(problem, fit.theta, gn.ones([3], f64)), /b has shape \[3\]/);
});

test("influence with CG matches exact influence; a prediction's influence matches its own LOO", () => {
  const exact = gn.influence.influence(problem, fit.theta, testLoss);
  const cg = gn.influence.influence(problem, fit.theta, testLoss, { method: "cg" });
  for (let i = 0; i < problem.n; i++) close(cg.values[i], exact.values[i], 1e-8, `row ${i}`);
  const pred = gn.influence.prediction(model, testSet.x.slice([0], [1]));
  const inf = gn.influence.influence(problem, fit.theta, pred);
  const i = gn.influence.topRows(inf.removal, 1, { by: "abs" })[0];
  const w = new Float64Array(problem.n).fill(1);
  w[i] = 0;
  const refit = gn.influence.fitNewton(problem.withWeights(w), { theta0: fit.theta });
  const actual = pred(refit.theta).item() - pred(fit.theta).item();
  assert.ok(Math.sign(actual) === Math.sign(inf.removal[i]) && Math.abs(actual - inf.removal[i]) < 0.25 * Math.abs(actual), `predicted ${inf.removal[i]}, actual ${actual}`);
});

test("self-influence puts flipped labels at the top", () => {
  // Well-separated data, then five labels flipped.
  const d = logisticData(120, 2, 7);
  const xs = d.x.mul(3);
  const p = gn.sigmoid(gn.matmul(xs, gn.tensor([2, -2], f64))).toTypedArray();
  const y: number[] = Array.from(p, (v) => (v > 0.5 ? 1 : 0));
  const flipped = [3, 17, 40, 77, 101];
  for (const i of flipped) y[i] = 1 - y[i];
  const pr = gn.influence.trainingProblem(gn.influence.logisticRegression(2), { x: xs, y }, { l2: 0.01 });
  const th = gn.influence.fitNewton(pr).theta;
  const self = gn.influence.selfInfluence(pr, th);
  const top = gn.influence.topRows(self, 10);
  const found = flipped.filter((i) => top.includes(i)).length;
  assert.ok(found >= 4, `found ${found} of 5 flipped rows in the top 10: ${top}`);
  for (const v of self) assert.ok(v >= 0);
  const cg = gn.influence.selfInfluence(pr, th, { method: "cg", rows: flipped });
  flipped.forEach((r, k) => close(cg[k], self[r], 1e-8, `row ${r}`));
  const tr = gn.influence.tracInSelf(pr, [{ theta: th, lr: 1 }]);
  const topTr = gn.influence.topRows(tr, 10);
  assert.ok(flipped.filter((i) => topTr.includes(i)).length >= 4, `TracIn self-influence top 10: ${topTr}`);
});

test("TracIn: one checkpoint predicts the effect of upweighting a row on one gradient step", () => {
  const theta0 = model.initial().add(0.1);
  const lr = 1e-3;
  const tr = gn.influence.tracIn(problem, [{ theta: theta0, lr }], testLoss);
  const stepWith = (w: Float64Array) => {
    const p = problem.withWeights(w);
    return testLoss(theta0.sub(p.gradient(theta0).mul(lr))).item();
  };
  const h = 1e-3;
  for (const i of [0, 11, 42]) {
    const wPlus = new Float64Array(problem.n).fill(1);
    const wMinus = new Float64Array(problem.n).fill(1);
    wPlus[i] += h;
    wMinus[i] -= h;
    const fd = (stepWith(wPlus) - stepWith(wMinus)) / (2 * h);
    close(tr.values[i], fd, 1e-3, `row ${i}`);
    close(tr.scores[i], -tr.values[i] * problem.n, 1e-12);
  }
  // Along a whole gradient-descent run, TracIn correlates with the influence at the optimum.
  const cps: gn.influence.Checkpoint[] = [];
  let theta = model.initial();
  for (let s = 0; s < 200; s++) {
    if (s % 10 === 0) cps.push({ theta, lr: 0.5 * 10, step: s });
    theta = theta.sub(problem.gradient(theta).mul(0.5));
  }
  const run = gn.influence.tracIn(problem, cps, testLoss);
  const inf = gn.influence.influence(problem, fit.theta, testLoss);
  const r = corr(run.values, inf.values);
  assert.ok(r > 0.6, `TracIn vs influence correlation ${r}`);
  assert.throws(() => gn.influence.tracIn(problem, [], testLoss), /no checkpoints/);
  assert.throws(() => gn.influence.tracIn(problem, [{ theta: theta0, lr: 0 }], testLoss), /learning rate 0/);
});

test("aggregateByGroup sums by group and by group and label", () => {
  const groups = gn.fairness.groupBy({ g: ["a", "b", "a", "b", "a"] });
  const agg = gn.influence.aggregateByGroup([1, -4, 2, 1, -1], groups);
  assert.deepEqual(agg.map((c) => [c.group, c.rows, c.sum, c.positive, c.negative]), [["b", 2, -3, 1, -4], ["a", 3, 2, 3, -1]]);
  close(agg[0].share, -3 / 9, 1e-12);
  const byLabel = gn.influence.aggregateByGroup([1, -4, 2, 1, -1], groups, { labels: [1, 0, 1, 1, 0] });
  assert.deepEqual(byLabel.map((c) => c.group), ["b, y=0", "a, y=1", "b, y=1", "a, y=0"]);
});

test("classifierFromLayer: an MLP's flat parameters, generic Hessian and influence", () => {
  const layer = gn.nn.sequential([gn.nn.linear(3, 4, { dtype: "float64" }), gn.nn.tanh(), gn.nn.linear(4, 1, { dtype: "float64" })]);
  const { params, state } = layer.init(gn.random.key(0));
  const mlp = gn.influence.classifierFromLayer(layer, params, state);
  assert.equal(mlp.size, 3 * 4 + 4 + 4 + 1);
  const z = mlp.logits(mlp.initial(), train.x);
  const direct = layer.apply(params, train.x).y.reshape([80]);
  assert.ok(maxRel(z, direct) < 1e-14);
  const pr = gn.influence.trainingProblem(mlp, train, { l2: 0.05 });
  const f = gn.influence.fitNewton(pr, { maxIter: 100 });
  assert.ok(f.gradNorm < 1e-8, `MLP Newton gradient ${f.gradNorm}`);
  const exact = gn.influence.influence(pr, f.theta, gn.influence.meanLoss(mlp, testSet));
  const cg = gn.influence.influence(pr, f.theta, gn.influence.meanLoss(mlp, testSet), { method: "cg", maxIter: 200 });
  assert.ok(corr(exact.values, cg.values) > 0.999);
});

test("problem and option errors", () => {
  assert.throws(() => gn.influence.trainingProblem(model, { x: train.x, y: train.y.slice(1) }), /y has shape \[79\]/);
  assert.throws(() => gn.influence.trainingProblem(model, { x: train.x, y: train.y.map((v) => v * 2) }), /labels must be 0\/1/);
  assert.throws(() => gn.influence.trainingProblem(model, train, { weights: new Array(80).fill(-1) }), /finite and >= 0/);
  assert.throws(() => gn.influence.trainingProblem(model, train, { l2: -1 }), /l2 must be/);
  assert.throws(() => model.logits(gn.zeros([3], f64), train.x), /θ must be a vector of 4/);
  assert.throws(() => model.logits(gn.zeros([4], f64), gn.zeros([2, 5], f64)), /must be \[N, 3\]/);
});
