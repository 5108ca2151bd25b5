/**
 * Derivatives of fairness metrics through the trained optimum: the surrogate's gradient, the weight
 * gradient against finite differences of retraining, and the reweighting it suggests, checked by
 * retraining. On synthetic data with a built-in gap and on German credit (1,000 rows).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";
import { biased } from "./fairness.data.js";

const f64 = { dtype: "float64" as const };

function close(got: number, want: number, tol: number, what = ""): void {
  assert.ok(Math.abs(got - want) <= tol * Math.max(Math.abs(want), 1e-12), `${what}: got ${got}, want ${want}`);
}

test("fairnessQuantity: the soft gap by hand, the pair with the largest gap, and checked gradients", () => {
  const d = biased(60, 1);
  const model = gn.influence.logisticRegression(3);
  const groups = gn.fairness.groupBy({ sex: d.sex });
  const theta = gn.tensor([0.8, -0.5, 0.2, 0.1], f64);
  const gap = gn.fairness.fairnessQuantity(model, d, groups, { at: theta });
  assert.deepEqual(gap.between, ["M", "F"]);
  const p = gn.sigmoid(model.logits(theta, d.x)).toTypedArray();
  const mean = (g: string) => {
    let s = 0;
    let c = 0;
    d.sex.forEach((v, i) => {
      if (v === g) [s, c] = [s + p[i], c + 1];
    });
    return s / c;
  };
  close(gap(theta).item(), mean("M") - mean("F"), 1e-12, "dp gap");
  const eop = gn.fairness.fairnessQuantity(model, d, groups, { metric: "equal_opportunity", between: ["M", "F"] });
  const meanPos = (g: string) => {
    let s = 0;
    let c = 0;
    d.sex.forEach((v, i) => {
      if (v === g && d.y[i] === 1) [s, c] = [s + p[i], c + 1];
    });
    return s / c;
  };
  close(eop(theta).item(), meanPos("M") - meanPos("F"), 1e-12, "soft TPR gap");
  gn.checkGrads((t: gn.Tensor) => gap(t), [theta], { order: 2 });
  assert.throws(() => gn.fairness.fairnessQuantity(model, d, groups), /give between/);
  assert.throws(() => gn.fairness.fairnessQuantity(model, d, groups, { between: ["M", "X"] }), /unknown group/);
  assert.throws(() => gn.fairness.fairnessQuantity(model, { x: d.x }, groups, { metric: "fpr", at: theta }), /needs the labels/);
});

/** Central finite differences of the metric after retraining with w_i +- h. */
function retrainedDerivative(problem: gn.influence.TrainingProblem, theta: gn.Tensor, metric: (t: gn.Tensor) => gn.Tensor, i: number, h: number): number {
  const at = (delta: number) => {
    const w = Float64Array.from(problem.weights());
    w[i] += delta;
    const fit = gn.influence.fitNewton(problem.withWeights(w), { theta0: theta, tol: 1e-12 });
    // Converged: below tol, or Newton stopped shrinking the gradient at float64 resolution (which
    // depends on each backend's summation order); either way far below what h = 1e-4 can see.
    assert.ok(fit.converged && fit.gradNorm < 1e-8, `retraining did not converge: gradient ${fit.gradNorm}`);
    return metric(fit.theta).item();
  };
  return (at(h) - at(-h)) / (2 * h);
}

test("d(metric)/d(weights) matches finite differences of retraining (synthetic)", () => {
  const d = biased(200, 2);
  const model = gn.influence.logisticRegression(3);
  const problem = gn.influence.trainingProblem(model, d, { l2: 1e-3 });
  const fit = gn.influence.fitNewton(problem, { tol: 1e-12 });
  const groups = gn.fairness.groupBy({ sex: d.sex });
  const gap = gn.fairness.fairnessQuantity(model, d, groups, { at: fit.theta });
  const sens = gn.influence.weightSensitivity(problem, fit.theta, gap);
  close(sens.value, gap(fit.theta).item(), 1e-12, "value");
  const rows = gn.influence.topRows(sens.gradient, 3, { by: "abs" }).concat([5, 50]);
  for (const i of rows) close(sens.gradient[i], retrainedDerivative(problem, fit.theta, gap, i, 1e-3), 1e-4, `row ${i}`);
  // The same through CG and through weights that are not all 1.
  const w = Float64Array.from({ length: 200 }, (_, i) => 0.5 + (i % 3) * 0.5);
  const pw = problem.withWeights(w);
  const fw = gn.influence.fitNewton(pw, { tol: 1e-12 });
  const sw = gn.influence.weightSensitivity(pw, fw.theta, gap, { method: "cg" });
  for (const i of [1, 2, 77]) close(sw.gradient[i], retrainedDerivative(pw, fw.theta, gap, i, 1e-3), 1e-4, `weighted row ${i}`);
});

test("the suggested reweighting moves the retrained gap as predicted (rows and group x label cells)", () => {
  const d = biased(300, 3);
  const model = gn.influence.logisticRegression(3);
  const problem = gn.influence.trainingProblem(model, d, { l2: 1e-3 });
  const fit = gn.influence.fitNewton(problem);
  const groups = gn.fairness.groupBy({ sex: d.sex });
  const gap = gn.fairness.fairnessQuantity(model, d, groups, { at: fit.theta });
  const sens = gn.influence.weightSensitivity(problem, fit.theta, gap);
  assert.ok(sens.value > 0.1, `a real gap to start with: ${sens.value}`);
  for (const mode of ["rows", "cells"] as const) {
    const cells = d.y.map((yi, i) => groups.index[i] * 2 + yi);
    const target = sens.value * 0.8;
    const rw = gn.influence.suggestReweighting(problem, sens, { target, mode, cells, maxChange: 1 });
    assert.ok(rw.reachedTarget, `${mode}: target reached under the first-order model`);
    close(rw.predicted, target, 1e-9, `${mode} prediction`);
    for (const v of rw.weights) assert.ok(v >= 0);
    const check = gn.influence.verifyReweighting(problem, fit.theta, gap, rw.weights);
    const predictedChange = rw.predicted - rw.before;
    const actualChange = check.actual - check.before;
    assert.ok(actualChange < 0, `${mode}: the gap fell (${check.before} -> ${check.actual})`);
    assert.ok(Math.abs(actualChange - predictedChange) < 0.25 * Math.abs(predictedChange), `${mode}: predicted ${predictedChange}, actual ${actualChange}`);
    if (mode === "cells") {
      // Upweighting the under-selected group's positives (F, y=1) is among what it suggests.
      const fPos = groups.names.indexOf("F") * 2 + 1;
      assert.ok(rw.cellFactors![fPos] > 1, `factors ${Array.from(rw.cellFactors!)}`);
    }
  }
  assert.throws(() => gn.influence.suggestReweighting(problem, sens, { target: 0, mode: "cells" }), /needs cells/);
});

test("German credit: the sex gap's weight gradient against retraining, and the rows and groups behind it", () => {
  const data = gn.fairness.fairnessData(gn.data.loadDataset("german-credit"), { seed: 0, validation: 0, test: 0.3 });
  const model = gn.influence.logisticRegression(data.train.x.shape[1]);
  const problem = gn.influence.trainingProblem(model, data.train, { l2: 1e-2 });
  const fit = gn.influence.fitNewton(problem, { tol: 1e-12 });
  assert.ok(fit.converged);
  const groups = gn.fairness.groupBy(data.train.sensitive, ["sex"]);
  const gap = gn.fairness.fairnessQuantity(model, data.train, groups, { at: fit.theta });
  const sens = gn.influence.weightSensitivity(problem, fit.theta, gap);
  const top = gn.influence.topRows(sens.gradient, 2, { by: "abs" });
  for (const i of [...top, 100]) close(sens.gradient[i], retrainedDerivative(problem, fit.theta, gap, i, 1e-3), 1e-3, `row ${i}`);
  // Group sums add up to the total, and the largest cell is named.
  const cells = gn.influence.aggregateByGroup(sens.gradient, groups, { labels: data.train.y });
  const total = sens.gradient.reduce((a, b) => a + b, 0);
  close(cells.reduce((a, c) => a + c.sum, 0), total, 1e-9, "sum of cells");
  assert.equal(cells.length, 4);
});
