import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

function close(got: number, want: number, tol = 1e-12, what = ""): void {
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);
}

// Ten rows, two groups; every number below was counted by hand from this table.
//          A    A    A    A    A    B    B    B    B    B
const grp = ["A", "A", "A", "A", "A", "B", "B", "B", "B", "B"];
const y = [1, 1, 0, 0, 0, 1, 1, 1, 0, 0];
const yHat = [1, 0, 1, 0, 0, 1, 1, 0, 0, 1];
const scores = [0.9, 0.4, 0.6, 0.2, 0.1, 0.8, 0.7, 0.3, 0.2, 0.6];

test("groupMetrics matches a hand-computed table", () => {
  const groups = gn.fairness.groupBy({ g: grp });
  const m = gn.fairness.groupMetrics({ yTrue: y, yPred: yHat, scores, groups });
  const [a, b] = m.groups;
  // Group A: y = 1 1 0 0 0, ŷ = 1 0 1 0 0 -> TP 1, FN 1, FP 1, TN 2.
  const wantA = { count: 5, share: 0.5, baseRate: 0.4, selectionRate: 0.4, accuracy: 0.6, tpr: 0.5, fpr: 1 / 3, fnr: 0.5, tnr: 2 / 3, precision: 0.5, meanScore: 0.44, calibrationGap: 0.04, ece: 1.6 / 5 };
  // Group B: y = 1 1 1 0 0, ŷ = 1 1 0 0 1 -> TP 2, FN 1, FP 1, TN 1.
  const wantB = { count: 5, share: 0.5, baseRate: 0.6, selectionRate: 0.6, accuracy: 0.6, tpr: 2 / 3, fpr: 0.5, fnr: 1 / 3, tnr: 0.5, precision: 2 / 3, meanScore: 0.52, calibrationGap: -0.08, ece: 2.0 / 5 };
  assert.equal(a.group, "A");
  assert.equal(b.group, "B");
  for (const [k, v] of Object.entries(wantA)) close(a[k as keyof typeof wantA], v, 1e-12, `A.${k}`);
  for (const [k, v] of Object.entries(wantB)) close(b[k as keyof typeof wantB], v, 1e-12, `B.${k}`);
  // Overall: TP 3, FP 2, FN 2, TN 3.
  close(m.overall.accuracy, 0.6, 1e-12, "overall accuracy");
  close(m.overall.tpr, 0.6, 1e-12, "overall tpr");
  close(m.overall.fpr, 0.4, 1e-12, "overall fpr");
  close(m.overall.precision, 0.6, 1e-12, "overall precision");
  close(m.summary.demographicParityDifference, 0.2, 1e-12, "dp difference");
  close(m.summary.demographicParityRatio, 2 / 3, 1e-12, "dp ratio");
  close(m.summary.equalOpportunityDifference, 1 / 6, 1e-12, "equal opportunity");
  close(m.summary.fprDifference, 1 / 6, 1e-12, "fpr difference");
  close(m.summary.equalizedOddsDifference, 1 / 6, 1e-12, "equalized odds");
  close(m.summary.accuracyDifference, 0, 1e-12, "accuracy difference");
  close(m.summary.maxCalibrationError, 0.4, 1e-12, "max ECE");
  assert.deepEqual(m.extremes.selectionRate, ["A", "B"]);
});

test("groupMetrics: decisions default to scores > 0.5; expected decisions give expected rates", () => {
  const groups = gn.fairness.groupBy({ g: grp });
  const hard = gn.fairness.groupMetrics({ yTrue: y, scores, groups });
  // scores > 0.5: A -> 1 0 1 0 0 (= yHat), B -> 1 1 0 0 1 (= yHat).
  close(hard.summary.demographicParityDifference, 0.2);
  const half = gn.fairness.groupMetrics({ yTrue: y, yPred: new Array(10).fill(0.5), groups });
  for (const s of half.groups) {
    close(s.selectionRate, 0.5);
    close(s.tpr, 0.5);
    close(s.fpr, 0.5);
    close(s.accuracy, 0.5);
  }
  close(half.summary.demographicParityDifference, 0);
  assert.ok(Number.isNaN(half.overall.ece), "no scores: ECE is NaN");
  // A mixture of two hard classifiers: the rates are the average of theirs.
  const other = yHat.map((v) => 1 - v);
  const mixed = gn.fairness.groupMetrics({ yTrue: y, yPred: yHat.map((v, i) => 0.25 * v + 0.75 * other[i]), groups });
  const m1 = gn.fairness.groupMetrics({ yTrue: y, yPred: yHat, groups });
  const m2 = gn.fairness.groupMetrics({ yTrue: y, yPred: other, groups });
  for (let g = 0; g < 2; g++) for (const k of ["selectionRate", "tpr", "fpr", "accuracy"] as const) close(mixed.groups[g][k], 0.25 * m1.groups[g][k] + 0.75 * m2.groups[g][k], 1e-12, k);
});

test("a group with no positives has NaN TPR and is skipped by the TPR summaries", () => {
  const groups = gn.fairness.groupBy({ g: ["A", "A", "B", "B", "C", "C"] });
  const m = gn.fairness.groupMetrics({ yTrue: [1, 0, 1, 0, 0, 0], yPred: [1, 0, 0, 0, 1, 0], groups });
  assert.ok(Number.isNaN(m.groups[2].tpr));
  close(m.summary.equalOpportunityDifference, 1); // A: 1, B: 0
  close(m.summary.demographicParityDifference, 0.5);
});

test("groupBy: sorted names, intersections, missing values, and bins", () => {
  const g = gn.fairness.groupBy({ sex: ["M", "F", null, "F"], race: ["x", "y", "x", "x"] });
  assert.equal(g.attribute, "sex & race");
  assert.deepEqual(g.names, ["sex=F & race=x", "sex=F & race=y", "sex=M & race=x", "sex=<missing> & race=x"]);
  assert.deepEqual(Array.from(g.index), [2, 1, 3, 0]);
  assert.deepEqual(Array.from(g.counts), [1, 1, 1, 1]);
  const all = gn.fairness.groupings({ sex: ["M", "F"], race: ["x", "y"] });
  assert.deepEqual(all.map((x) => x.attribute), ["sex", "race", "sex & race"]);
  assert.deepEqual(gn.fairness.groupings({ sex: ["M", "F"], race: ["x", "y"] }, { intersections: false }).length, 2);
  const bins = gn.fairness.binValues([19, 70, 30, NaN, 27], [27, 33]);
  assert.deepEqual(bins, ["<27", ">=33", "[27, 33)", null, "[27, 33)"]);
  assert.deepEqual(gn.fairness.groupBy({ age: bins }).names, ["<27", "[27, 33)", ">=33", "<missing>"]);
  assert.throws(() => gn.fairness.groupBy({ a: [1, 2], b: [1] }), /column "b" has 1 values/);
  assert.throws(() => gn.fairness.groupBy({ a: [1] }, ["c"]), /no sensitive column "c"/);
});

test("groupMetrics errors name the input", () => {
  const groups = gn.fairness.groupBy({ g: grp });
  assert.throws(() => gn.fairness.groupMetrics({ yTrue: y.slice(1), yPred: yHat, groups }), /yTrue has 9 values but there are 10 rows/);
  assert.throws(() => gn.fairness.groupMetrics({ yTrue: y.map((v) => v * 2), yPred: yHat, groups }), /labels must be 0 or 1/);
  assert.throws(() => gn.fairness.groupMetrics({ yTrue: y, groups }), /give yPred/);
  assert.throws(() => gn.fairness.groupMetrics({ yTrue: y, scores: scores.map((s) => s + 1), groups }), /probabilities in \[0, 1\]/);
});

test("bootstrap intervals: reproducible by key, around the estimate, and excluding 0 only for a real gap", () => {
  // 600 rows: group A selected at about 0.2, group B at 0.6 (a real gap), and a second labelling with no gap.
  const n = 600;
  const u = gn.random.uniform(gn.random.key(3), [n], { dtype: "float64" }).toTypedArray();
  const g = Array.from({ length: n }, (_, i) => (i % 2 ? "A" : "B"));
  const yy = Array.from({ length: n }, (_, i) => (u[(i * 7) % n] < 0.5 ? 1 : 0));
  const gap = Array.from(u, (v, i) => (v < (g[i] === "A" ? 0.2 : 0.6) ? 1 : 0));
  const none = Array.from(u, (v) => (v < 0.4 ? 1 : 0));
  const groups = gn.fairness.groupBy({ g });
  const a = gn.fairness.bootstrapMetrics({ yTrue: yy, yPred: gap, groups }, { samples: 200, key: gn.random.key(1) });
  const again = gn.fairness.bootstrapMetrics({ yTrue: yy, yPred: gap, groups }, { samples: 200, key: gn.random.key(1) });
  const other = gn.fairness.bootstrapMetrics({ yTrue: yy, yPred: gap, groups }, { samples: 200, key: gn.random.key(2) });
  assert.deepEqual(a, again);
  assert.notDeepEqual(a.summary.demographicParityDifference, other.summary.demographicParityDifference);
  const dp = a.summary.demographicParityDifference;
  assert.ok(dp.low <= dp.estimate && dp.estimate <= dp.high, `estimate ${dp.estimate} in [${dp.low}, ${dp.high}]`);
  assert.ok(dp.low > 0.25 && dp.high < 0.55, `a gap of about 0.4: [${dp.low}, ${dp.high}]`);
  // The standard error of a difference of two proportions, sqrt(p(1-p)/n_A + q(1-q)/n_B).
  const sA = a.groups.A.selectionRate.estimate;
  const sB = a.groups.B.selectionRate.estimate;
  const se = Math.sqrt((sA * (1 - sA)) / 300 + (sB * (1 - sB)) / 300);
  assert.ok(Math.abs(dp.se - se) < 0.3 * se, `bootstrap se ${dp.se} vs analytic ${se}`);
  const b = gn.fairness.bootstrapMetrics({ yTrue: yy, yPred: none, groups }, { samples: 200, key: gn.random.key(1) });
  // With no gap, the max - min difference is >= 0 and its interval starts near 0.
  assert.ok(b.summary.demographicParityDifference.low < 0.02, `no gap: low ${b.summary.demographicParityDifference.low}`);
  assert.throws(() => gn.fairness.bootstrapMetrics({ yTrue: yy, yPred: gap, groups }, { samples: 1 }), /samples must be an integer >= 2/);
});

test("interval: percentiles by linear interpolation, NaN draws ignored", () => {
  const r = gn.fairness.interval(0.5, [0.9, NaN, 0.1, 0.5, 0.4, 0.6], 0.5);
  close(r.low, 0.4);
  close(r.high, 0.6);
  assert.ok(Number.isNaN(gn.fairness.interval(1, [NaN], 0.9).low));
});

test("linear constraints: hand-computed violations for every family", () => {
  const groups = gn.fairness.groupBy({ g: grp });
  const dp = gn.fairness.buildConstraints([{ kind: "demographic_parity", bound: 0.05 }], y, groups);
  assert.deepEqual(dp.constraints.map((c) => c.name), ["demographic_parity: A - B", "demographic_parity: B - A"]);
  const v = gn.fairness.constraintViolations(dp, yHat);
  close(v[0], 0.4 - 0.6 - 0.05);
  close(v[1], 0.6 - 0.4 - 0.05);
  close(gn.fairness.maxViolation(v), 0.15);
  const eo = gn.fairness.buildConstraints([{ kind: "equalized_odds", bound: 0 }], y, groups);
  const ve = gn.fairness.constraintViolations(eo, yHat);
  // TPR: A 1/2, B 2/3; FPR: A 1/3, B 1/2.
  assert.deepEqual(eo.constraints.map((c) => c.name), ["equalized_odds (y=1): A - B", "equalized_odds (y=1): B - A", "equalized_odds (y=0): A - B", "equalized_odds (y=0): B - A"]);
  [1 / 2 - 2 / 3, 2 / 3 - 1 / 2, 1 / 3 - 1 / 2, 1 / 2 - 1 / 3].forEach((w, i) => close(ve[i], w, 1e-12, `eo ${i}`));
  const eop = gn.fairness.buildConstraints([{ kind: "equal_opportunity", bound: 0.1 }], y, groups);
  close(gn.fairness.constraintViolations(eop, yHat)[1], 2 / 3 - 1 / 2 - 0.1);
  const bgl = gn.fairness.buildConstraints([{ kind: "bounded_group_loss", bound: 0.3 }], y, groups);
  const vb = gn.fairness.constraintViolations(bgl, yHat);
  close(vb[0], 0.4 - 0.3, 1e-12, "error A");
  close(vb[1], 0.4 - 0.3, 1e-12, "error B");
  // With soft decisions the error is the expected one: all 0.5 -> 0.5 in both groups.
  close(gn.fairness.constraintViolations(bgl, new Array(10).fill(0.5))[0], 0.5 - 0.3);
  assert.deepEqual(gn.fairness.parseConstraint("demographic_parity<=0.05"), { kind: "demographic_parity", bound: 0.05 });
  assert.deepEqual(gn.fairness.parseConstraint(" eo <= 0.1"), { kind: "equalized_odds", bound: 0.1 });
  assert.throws(() => gn.fairness.parseConstraint("parity<=0.1"), /unknown constraint "parity"/);
  assert.throws(() => gn.fairness.parseConstraint("dp>=0.1"), /cannot read/);
  assert.throws(() => gn.fairness.buildConstraints([{ kind: "demographic_parity", bound: -1 }], y, groups), /finite number >= 0/);
  assert.throws(() => gn.fairness.buildConstraints([{ kind: "demographic_parity", bound: 0.1 }], y, gn.fairness.groupBy({ g: new Array(10).fill("A") })), /at least two groups/);
});
