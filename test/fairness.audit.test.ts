/** The audits behind `gradnav audit fairness|influence`, on German credit. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const data = gn.fairness.fairnessData(gn.data.loadDataset("german-credit"), { seed: 0, validation: 0, test: 0.3 });
const model = gn.fairness.auditModel(data, { l2: 1e-3 });

test("fairness audit: one grouping per column plus their intersection, metrics as groupMetrics computes them", () => {
  const r = gn.fairness.fairnessAudit(data, { model, bootstrap: 20, key: gn.random.key(3) });
  assert.equal(r.split, "test");
  assert.equal(r.rows, 300);
  assert.deepEqual(r.groupings.map((g) => g.attribute), ["sex", "age", "foreign_worker", "sex & age & foreign_worker"]);
  const groups = gn.fairness.groupBy(data.test.sensitive, ["sex"]);
  const direct = gn.fairness.groupMetrics({ yTrue: data.test.y, scores: model.problem.probabilities(model.theta, data.test.x), groups });
  assert.deepEqual(r.groupings[0].summary, direct.summary);
  for (const g of r.groupings[0].groups) {
    const iv = g.intervals!.selectionRate!;
    assert.ok(iv.low <= g.selectionRate && g.selectionRate <= iv.high);
  }
  const text = gn.fairness.formatFairnessAudit(r);
  assert.ok(text.includes("By sex (test") && text.includes("demographic-parity difference"));
  assert.throws(() => gn.fairness.fairnessAudit(data, { model, attributes: ["race"] }), /"race" is not a sensitive column/);
});

test("influence audit: cells sum to the total gradient, and the suggested reweighting is checked by retraining", () => {
  const r = gn.fairness.influenceAudit(data, { model, attribute: "sex", top: 5 });
  assert.equal(r.groups.length, 4);
  assert.equal(r.widening.length, 5);
  for (let k = 1; k < 5; k++) assert.ok(r.widening[k - 1].value >= r.widening[k].value);
  assert.ok(r.widening[0].value > 0 && r.narrowing[0].value < 0);
  assert.ok(r.selfInfluence.every((x) => x.value > 0));
  const rw = r.reweighting!;
  assert.ok(Math.abs(rw.predicted - rw.before / 2) < 1e-9);
  assert.ok(Math.abs(rw.actual! - rw.predicted) < 0.25 * Math.abs(rw.before - rw.predicted), `predicted ${rw.predicted}, actual ${rw.actual}`);
  const text = gn.fairness.formatInfluenceAudit(r);
  assert.ok(text.includes("after retraining"));
  JSON.parse(JSON.stringify(r));
});
