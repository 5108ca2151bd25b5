import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as gn from "../src/index.js";

const m = gn.metrics;

function assertClose(got: number, want: number, tol = 1e-12, what = ""): void {
  if (Number.isNaN(want)) return assert.ok(Number.isNaN(got), `${what}: expected NaN, got ${got}`);
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);
}

function decode(v: unknown): unknown {
  if (v === "NaN") return NaN;
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  return v;
}

function assertDeepClose(got: unknown, want: unknown, what: string): void {
  if (typeof want === "number") return assertClose(got as number, want, 1e-12, what);
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got) && got.length === want.length, `${what}: length`);
    want.forEach((w, i) => assertDeepClose((got as unknown[])[i], w, `${what}[${i}]`));
    return;
  }
  for (const k of Object.keys(want as object)) assertDeepClose((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${what}.${k}`);
}

interface Case {
  metric: string;
  note: string;
  yTrue: number[];
  yPred: number[] | number[][];
  opts: Record<string, unknown>;
  expected: unknown;
}

const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/metrics.json", import.meta.url), "utf8")) as { cases: Case[] };

test("metrics agree with scikit-learn on the committed reference cases", () => {
  assert.ok(fixture.cases.length >= 60, `${fixture.cases.length} cases`);
  const fns: Record<string, (t: never, p: never, o: never) => unknown> = {
    accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, classScores: m.classScores,
    fbeta: (t, p, o: gn.metrics.PRFOptions & { beta: number }) => m.fbeta(t, p, o.beta, o),
    confusionMatrix: m.confusionMatrix, rocAuc: m.rocAuc, logLoss: m.logLoss, mse: m.mse, rmse: m.rmse, mae: m.mae, r2: m.r2,
  };
  const seen = new Set<string>();
  fixture.cases.forEach((c, i) => {
    const f = fns[c.metric];
    assert.ok(f, `no metric ${c.metric}`);
    seen.add(c.metric);
    const got = f(c.yTrue as never, c.yPred as never, decode(c.opts) as never);
    assertDeepClose(got, decode(c.expected), `case ${i} ${c.metric} ${JSON.stringify(c.opts)} ${c.note}`);
  });
  assert.equal(seen.size, Object.keys(fns).length, "every metric has reference cases");
});

test("classification metrics by hand on a small table", () => {
  // true: 0 0 0 1 1 1 1 2 2 2
  // pred: 0 1 0 1 1 2 1 2 0 2
  const t = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2];
  const p = [0, 1, 0, 1, 1, 2, 1, 2, 0, 2];
  assert.deepEqual(m.confusionMatrix(t, p), [[2, 1, 0], [0, 3, 1], [1, 0, 2]]);
  assertClose(m.accuracy(t, p), 7 / 10);
  // per class: precision 2/3, 3/4, 2/3; recall 2/3, 3/4, 2/3; support 3, 4, 3.
  const s = m.classScores(t, p);
  assert.deepEqual(s.labels, [0, 1, 2]);
  s.precision.forEach((v, i) => assertClose(v, [2 / 3, 3 / 4, 2 / 3][i]));
  s.recall.forEach((v, i) => assertClose(v, [2 / 3, 3 / 4, 2 / 3][i]));
  assert.deepEqual(s.support, [3, 4, 3]);
  assertClose(m.precision(t, p, { average: "macro" }), (2 / 3 + 3 / 4 + 2 / 3) / 3);
  assertClose(m.precision(t, p, { average: "weighted" }), (3 * (2 / 3) + 4 * (3 / 4) + 3 * (2 / 3)) / 10);
  assertClose(m.f1(t, p, { average: "micro" }), 0.7, 1e-12, "micro F1 = accuracy");
  assert.throws(() => m.precision(t, p), /3 classes \[0, 1, 2\] but average is "binary"/);
  // Binary: tp 2, fp 1, fn 2.
  const bt = [1, 1, 1, 1, 0, 0, 0];
  const bp = [1, 1, 0, 0, 1, 0, 0];
  assertClose(m.precision(bt, bp), 2 / 3);
  assertClose(m.recall(bt, bp), 1 / 2);
  assertClose(m.f1(bt, bp), (2 * 2) / (2 * 2 + 1 + 2));
  assertClose(m.fbeta(bt, bp, 2), (5 * 2) / (5 * 2 + 4 * 2 + 1));
  // Tensors, int32 labels and score matrices are accepted.
  const scores = gn.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]);
  assertClose(m.accuracy(gn.tensor([0, 1, 1], { dtype: "int32" }), scores), 2 / 3);
  assertClose(m.recall(new Int32Array([0, 1, 1]), scores), 1 / 2);
});

test("degenerate inputs: zeroDivision 0, 1 and NaN; one-class AUC; constant targets; empty inputs", () => {
  const none = [0, 0, 0, 0];
  const some = [0, 1, 0, 1];
  assert.equal(m.precision(some, none), 0);
  assert.equal(m.precision(some, none, { zeroDivision: 1 }), 1);
  assert.ok(Number.isNaN(m.precision(some, none, { zeroDivision: NaN })));
  assert.equal(m.f1(none, none), 0);
  assert.equal(m.f1(none, none, { zeroDivision: 1 }), 1);
  // NaN per-class values are left out of a macro average: class 2 is never predicted.
  assertClose(m.precision([0, 1, 2, 2], [0, 1, 1, 1], { average: "macro", zeroDivision: NaN }), (1 + 1 / 3) / 2);
  assert.throws(() => m.precision(some, none, { zeroDivision: 0.5 }), /zeroDivision must be 0, 1 or NaN/);
  assert.ok(Number.isNaN(m.rocAuc([1, 1, 1], [0.2, 0.5, 0.9])), "one class: NaN");
  assert.throws(() => m.rocAuc([0, 1], [NaN, 0.5]), /score 0 is NaN/);
  assert.throws(() => m.logLoss([1, 1], [0.5, 0.9]), /only the label \[1\]; pass labels/);
  assert.equal(m.r2([2, 2], [2, 2]), 1);
  assert.equal(m.r2([2, 2], [2, 3]), 0);
  assert.ok(Number.isNaN(m.accuracy([], [])));
  assert.ok(Number.isNaN(m.mse([], [])));
  assert.ok(Number.isNaN(m.r2([], [])));
  assert.throws(() => m.accuracy([0, 1], [0]), /yTrue and yPred have 2 and 1 samples/);
  assert.throws(() => m.mse([[1, 2]], [[1, 2, 3]]), /same shape/);
});

test("ROC AUC equals the Mann-Whitney statistic with ties counted one half", () => {
  const key = gn.random.key(5);
  const [k1, k2] = gn.random.split(key);
  const labels = gn.random.bernoulli(k1, 0.4, [200]).toTypedArray();
  // Scores on a coarse grid, so there are many ties between classes.
  const scores = Array.from(gn.random.randint(k2, [200], 0, 12).toTypedArray(), (v, i) => v + 3 * labels[i]);
  let u = 0;
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < 200; i++) {
    if (labels[i]) pos++;
    else neg++;
    for (let j = 0; j < 200; j++) if (labels[i] && !labels[j]) u += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
  }
  assertClose(m.rocAuc(Array.from(labels), scores), u / (pos * neg), 1e-12);
  // Reversing the scores gives 1 - AUC.
  assertClose(m.rocAuc(Array.from(labels), scores.map((s) => -s)), 1 - u / (pos * neg), 1e-12);
});

test("log loss clips with eps and renormalises rows", () => {
  assertClose(m.logLoss([0, 1], [0.2, 0.9]), -(Math.log(0.8) + Math.log(0.9)) / 2);
  // A probability of 0 for the true class is clipped to eps: -log(eps).
  assertClose(m.logLoss([1, 0], [0, 0], { eps: 1e-7 }), -(Math.log(1e-7) + Math.log(1 - 1e-7)) / 2);
  // Rows that do not sum to one are renormalised (after clipping, as sklearn).
  assertClose(m.logLoss([0, 1], [[0.2, 0.2], [0.1, 0.3]]), -(Math.log(0.5) + Math.log(0.75)) / 2);
  assertClose(m.logLoss([0, 1], [[0.5, 0.5], [0.25, 0.75]], { normalize: false }), -(Math.log(0.5) + Math.log(0.75)));
});
