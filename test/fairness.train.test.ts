/**
 * Fairness-constrained training: each method meets its bound on the training rows within a
 * tolerance, the trace records the multipliers, the front warm-starts and tightens, and the SVG
 * holds every point.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";
import { biased } from "./fairness.data.js";

const f64 = { dtype: "float64" as const };

const data = biased(400, 1);
const groups = gn.fairness.groupBy({ sex: data.sex });
const model = gn.influence.logisticRegression(3);
const problem = gn.influence.trainingProblem(model, data, { l2: 1e-3 });
const unconstrained = gn.influence.fitNewton(problem);

function dpOf(theta: gn.Tensor): number {
  return gn.fairness.groupMetrics({ yTrue: data.y, scores: problem.probabilities(theta), groups }).summary.demographicParityDifference;
}

test("the unconstrained model has a demographic-parity gap well above the bounds used below", () => {
  assert.ok(dpOf(unconstrained.theta) > 0.15, `gap ${dpOf(unconstrained.theta)}`);
});

test("Lagrangian: the soft constraint holds at the end; the trace records multipliers at every step", () => {
  const res = gn.fairness.trainConstrained(problem, groups, { constraints: [{ kind: "demographic_parity", bound: 0.05 }], steps: 500 });
  assert.ok(Math.max(...res.evaluation.soft) <= 0.01, `soft violations ${res.evaluation.soft}`);
  assert.ok(res.maxViolation <= 0.02, `hard violation ${res.maxViolation}`);
  assert.ok(dpOf(res.theta) <= 0.05 + 0.02);
  assert.equal(res.trace.steps.length, 500);
  assert.deepEqual(res.trace.constraints, ["demographic_parity: F - M", "demographic_parity: M - F"]);
  for (const s of res.trace.steps) {
    assert.equal(s.multipliers.length, 2);
    for (const l of s.multipliers) assert.ok(l >= 0 && l <= 100);
  }
  // The active constraint (M selected more than F) ends with a positive multiplier, the other at 0.
  assert.ok(res.multipliers[1] > 0.1 && res.multipliers[0] < 1e-3, `multipliers ${Array.from(res.multipliers)}`);
  const evals = res.trace.steps.filter((s) => s.evaluation);
  assert.ok(evals.length >= 40);
  // The θ-player's own gn.optim trace, step for step, with the Lagrangian as its loss.
  assert.equal(res.trace.optim.steps.length, 500);
  assert.equal(res.trace.optim.optimizer, "adam");
  res.trace.optim.steps.forEach((o, k) => assert.equal(o.loss, res.trace.steps[k].lagrangian));
  assert.ok(gn.optim.traceTable(res.trace.optim, { every: 100 }).includes("final"));
  const round = JSON.parse(JSON.stringify(res.trace));
  assert.equal(round.steps[10].multipliers.length, 2);
  // The accuracy cost is real but bounded.
  const acc0 = gn.fairness.groupMetrics({ yTrue: data.y, scores: problem.probabilities(unconstrained.theta), groups }).overall.accuracy;
  assert.ok(res.evaluation.accuracy > acc0 - 0.1);
});

test("proxy-Lagrangian: the hard constraint holds on the training rows within tolerance, for every family", () => {
  const cases = [
    { kind: "demographic_parity" as const, bound: 0.05 },
    { kind: "equal_opportunity" as const, bound: 0.05 },
    { kind: "equalized_odds" as const, bound: 0.05 },
  ];
  for (const c of cases) {
    const res = gn.fairness.trainConstrained(problem, groups, { constraints: [c], method: "proxy", steps: 500 });
    assert.ok(res.maxViolation <= 0.01, `${c.kind}: hard violation ${res.maxViolation}`);
    const m = gn.fairness.groupMetrics({ yTrue: data.y, scores: problem.probabilities(res.theta), groups }).summary;
    const metric = c.kind === "demographic_parity" ? m.demographicParityDifference : c.kind === "equal_opportunity" ? m.equalOpportunityDifference : m.equalizedOddsDifference;
    assert.ok(metric <= c.bound + 0.01, `${c.kind}: ${metric}`);
  }
  // Bounded group loss: each group's error rate at most 0.26.
  const res = gn.fairness.trainConstrained(problem, groups, { constraints: [{ kind: "bounded_group_loss", bound: 0.26 }], method: "proxy", steps: 300 });
  const m = gn.fairness.groupMetrics({ yTrue: data.y, scores: problem.probabilities(res.theta), groups });
  for (const g of m.groups) assert.ok(1 - g.accuracy <= 0.26 + 0.01, `${g.group}: error ${1 - g.accuracy}`);
});

test("select 'best' returns a feasible evaluated iterate; warm starts keep the multipliers", () => {
  const res = gn.fairness.trainConstrained(problem, groups, { constraints: [{ kind: "demographic_parity", bound: 0.05 }], method: "proxy", steps: 300, select: "best", evaluateEvery: 5 });
  assert.ok(res.maxViolation <= 0, `best iterate violation ${res.maxViolation}`);
  assert.ok(res.selectedStep % 5 === 0 || res.selectedStep === 300);
  const warm = gn.fairness.trainConstrained(problem, groups, { constraints: [{ kind: "demographic_parity", bound: 0.05 }], method: "proxy", steps: 1, theta0: res.theta, multipliers0: res.multipliers });
  assert.deepEqual(warm.trace.steps[0].multipliers, Array.from(res.multipliers));
  assert.throws(() => gn.fairness.trainConstrained(problem, groups, { constraints: [{ kind: "demographic_parity", bound: 0.05 }], multipliers0: [1] }), /multipliers0 has 1 values for 2/);
  // Any gn.optim transformation drives θ.
  const sgd = gn.fairness.trainConstrained(problem, groups, { constraints: [{ kind: "demographic_parity", bound: 0.05 }], method: "proxy", steps: 300, optimizer: gn.optim.sgd({ lr: 0.5 }) });
  assert.ok(sgd.trace.optim.optimizer.startsWith("sgd"));
  assert.ok(sgd.maxViolation <= 0.02, `sgd-driven violation ${sgd.maxViolation}`);
  assert.throws(() => gn.fairness.trainConstrained(problem, groups, { constraints: [{ kind: "demographic_parity", bound: 0.05 }], steps: 0 }), /steps must be an integer >= 1/);
});

test("mini-batches: the scaled moments still steer the full-data gap under the bound", () => {
  const res = gn.fairness.trainConstrained(problem, groups, { constraints: [{ kind: "demographic_parity", bound: 0.05 }], method: "proxy", steps: 600, batchSize: 100, key: gn.random.key(4) });
  assert.ok(res.maxViolation <= 0.03, `mini-batch hard violation ${res.maxViolation}`);
});

test("exponentiated gradient: the mixture meets the bound in expectation; its decisions are averages", () => {
  const eg = gn.fairness.exponentiatedGradient(problem, groups, { constraints: [{ kind: "demographic_parity", bound: 0.05 }], iterations: 40 });
  assert.ok(eg.maxViolation <= 0.01, `mixture violation ${eg.maxViolation}`);
  const m = gn.fairness.groupMetrics({ yTrue: data.y, yPred: eg.decisions, groups });
  assert.ok(m.summary.demographicParityDifference <= 0.06);
  assert.ok(Math.abs(m.overall.accuracy - (1 - eg.error)) < 1e-12);
  const again = gn.fairness.mixtureDecisions(model, eg, data.x);
  for (let i = 0; i < again.length; i++) assert.ok(Math.abs(again[i] - eg.decisions[i]) < 1e-12);
  assert.equal(eg.trace.rounds.length, eg.classifiers.length);
  for (const r of eg.trace.rounds) assert.ok(r.multipliers.reduce((a, b) => a + b, 0) <= 20 + 1e-9, "||λ||_1 <= B");
});

test("the front: loosest to tightest with warm starts, gaps shrink, and the SVG has every point", () => {
  const test_ = biased(300, 9);
  const front = gn.fairness.fairnessFront(problem, groups, {
    kind: "demographic_parity",
    bounds: [0.02, 0.1, 0.05],
    method: "proxy",
    steps: 300,
    test: { x: test_.x, y: test_.y, groups: gn.fairness.groupBy({ sex: test_.sex }) },
  });
  assert.deepEqual(front.points.map((p) => p.bound), [null, 0.1, 0.05, 0.02]);
  const gaps = front.points.map((p) => p.train.demographicParityDifference);
  assert.ok(gaps[3] < gaps[0] - 0.1, `gaps ${gaps}`);
  front.points.slice(1).forEach((p) => assert.ok(p.train.demographicParityDifference <= p.bound! + 0.015, `bound ${p.bound}: ${p.train.demographicParityDifference}`));
  assert.ok(front.points[3].test!.demographicParityDifference < front.points[0].test!.demographicParityDifference);
  assert.ok(Object.keys(front.points[2].multipliers).length >= 1);
  const svg = gn.fairness.frontSvg(front);
  assert.ok(svg.startsWith("<svg") && svg.trimEnd().endsWith("</svg>"));
  const circles = [...svg.matchAll(/<circle class="(train|test)" data-bound="([^"]+)" data-x="([^"]+)" data-y="([^"]+)"/g)];
  assert.equal(circles.filter((c) => c[1] === "train").length, 4);
  assert.equal(circles.filter((c) => c[1] === "test").length, 4);
  for (const c of circles.filter((c) => c[1] === "train")) {
    const p = front.points.find((q) => String(q.bound ?? "none") === c[2])!;
    assert.equal(Number(c[3]), p.train.demographicParityDifference);
    assert.equal(Number(c[4]), p.train.accuracy);
  }
  const json = JSON.parse(JSON.stringify(front));
  assert.equal(json.points.length, 4);
  const eg = gn.fairness.fairnessFront(problem, groups, { kind: "demographic_parity", bounds: [0.05], method: "expgrad", iterations: 20, includeUnconstrained: false });
  assert.equal(eg.points.length, 1);
  assert.ok(eg.points[0].maxViolation <= 0.01);
});
