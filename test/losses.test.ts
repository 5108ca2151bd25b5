import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const f64 = { dtype: "float64" as const };
const i32 = { dtype: "int32" as const };

function assertClose(got: number, want: number, tol = 1e-12, what = ""): void {
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);
}

function assertVec(got: gn.Tensor, want: number[], tol = 1e-12): void {
  const g = got.toTypedArray();
  assert.equal(g.length, want.length);
  want.forEach((w, i) => assertClose(g[i], w, tol, `element ${i}`));
}

const pred = [[0.5, -1.2], [2.0, 0.3], [-0.7, 0.1]];
const targ = [[0.1, -1.0], [0.5, 0.9], [-0.2, 2.6]];
const P = gn.tensor(pred, f64);
const T = gn.tensor(targ, f64);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test("regression losses: per-sample values and the three reductions", () => {
  const perMse = pred.map((r, i) => mean(r.map((p, j) => (p - targ[i][j]) ** 2)));
  const perMae = pred.map((r, i) => mean(r.map((p, j) => Math.abs(p - targ[i][j]))));
  const hub = (d: number, delta: number) => (Math.abs(d) <= delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta));
  const perHuber = pred.map((r, i) => mean(r.map((p, j) => hub(p - targ[i][j], 0.8))));
  assertVec(gn.losses.mse(P, T, { reduction: "none" }), perMse);
  assertVec(gn.losses.mae(P, T, { reduction: "none" }), perMae);
  assertVec(gn.losses.huber(P, T, { reduction: "none", delta: 0.8 }), perHuber);
  assertClose(gn.losses.mse(P, T).item(), mean(perMse));
  assertClose(gn.losses.mse(P, T, { reduction: "sum" }).item(), perMse.reduce((a, b) => a + b));
  // Weighted mean: sum(s l) / sum(s); "none" returns s l; "sum" returns sum(s l).
  const s = [1, 3, 0.5];
  const wsum = perMae.reduce((a, l, i) => a + s[i] * l, 0);
  assertClose(gn.losses.mae(P, T, { weights: s }).item(), wsum / 4.5);
  assertClose(gn.losses.mae(P, T, { weights: gn.tensor(s, f64), reduction: "sum" }).item(), wsum);
  assertVec(gn.losses.mae(P, T, { weights: s, reduction: "none" }), perMae.map((l, i) => s[i] * l));
  // 1-D inputs: one loss per element.
  assertClose(gn.losses.mse(gn.tensor([1, 2], f64), [1, 4]).item(), 2);
  // The huber threshold is where the quadratic and linear branches meet.
  assertClose(gn.losses.huber(gn.tensor([2], f64), [0], { delta: 2 }).item(), 2);
  assertClose(gn.losses.huber(gn.tensor([3], f64), [0]).item(), 2.5);
});

test("bceWithLogits: matches -[t log s + (1-t) log(1-s)], posWeight, and stays finite for huge logits", () => {
  const z = [-3, -0.5, 0, 0.7, 4];
  const t = [0, 1, 1, 0.3, 1];
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const want = z.map((zi, i) => -(t[i] * Math.log(sig(zi)) + (1 - t[i]) * Math.log(1 - sig(zi))));
  assertVec(gn.losses.bceWithLogits(gn.tensor(z, f64), gn.tensor(t, f64), { reduction: "none" }), want, 1e-12);
  const wantPos = z.map((zi, i) => -(2.5 * t[i] * Math.log(sig(zi)) + (1 - t[i]) * Math.log(1 - sig(zi))));
  assertVec(gn.losses.bceWithLogits(gn.tensor(z, f64), t, { reduction: "none", posWeight: 2.5 }), wantPos, 1e-12);
  // Int labels are accepted.
  assertClose(gn.losses.bceWithLogits(gn.tensor([0], f64), gn.tensor([1], i32)).item(), Math.log(2));
  const big = gn.losses.bceWithLogits(gn.tensor([1000, -1000, 1000], f64), [1, 0, 0], { reduction: "none" });
  assert.deepEqual(big.toArray(), [0, 0, 1000]);
  const g = gn.grad((x: gn.Tensor) => gn.losses.bceWithLogits(x, [1, 0], { reduction: "sum" }))(gn.tensor([800, -800], f64));
  assert.deepEqual(g.toArray(), [0, 0]);
});

/** PyTorch's CrossEntropyLoss formula, written out with loops (independent of the tensor code). */
function referenceCE(logits: number[][], labels: number[], eps: number, w: number[] | null, s: number[] | null) {
  const C = logits[0].length;
  const per: number[] = [];
  const norm: number[] = [];
  logits.forEach((row, i) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    const logp = row.map((v) => v - lse);
    const wc = (c: number) => (w ? w[c] : 1);
    const nll = -wc(labels[i]) * logp[labels[i]];
    const smooth = -logp.reduce((a, lp, c) => a + wc(c) * lp, 0);
    per.push((s ? s[i] : 1) * ((1 - eps) * nll + (eps / C) * smooth));
    norm.push((s ? s[i] : 1) * wc(labels[i]));
  });
  return { per, mean: per.reduce((a, b) => a + b) / norm.reduce((a, b) => a + b) };
}

test("softmaxCrossEntropy: class indices, label smoothing, class weights, sample weights", () => {
  const logits = [[2, 0, -1], [0, 1, 0], [-0.5, 3, 1], [1, 1, 4]];
  const labels = [0, 1, 2, 2];
  const Z = gn.tensor(logits, f64);
  const Y = gn.tensor(labels, i32);
  for (const eps of [0, 0.1, 1]) {
    for (const w of [null, [1, 2, 0.5]]) {
      for (const s of [null, [1, 0.5, 2, 1]]) {
        const ref = referenceCE(logits, labels, eps, w, s);
        const opts = { labelSmoothing: eps, ...(w ? { classWeights: w } : {}), ...(s ? { weights: s } : {}) };
        const what = `eps ${eps}, w ${w}, s ${s}`;
        assertClose(gn.losses.softmaxCrossEntropy(Z, Y, opts).item(), ref.mean, 1e-12, what);
        assertVec(gn.losses.softmaxCrossEntropy(Z, labels, { ...opts, reduction: "none" }), ref.per, 1e-12);
      }
    }
  }
  // One-hot targets equal index targets without class weights (PyTorch's probability-target form).
  const oneHot = gn.oneHot(Y, 3, f64);
  for (const eps of [0, 0.2])
    assertClose(gn.losses.softmaxCrossEntropy(Z, oneHot, { labelSmoothing: eps }).item(), gn.losses.softmaxCrossEntropy(Z, Y, { labelSmoothing: eps }).item(), 1e-12);
  // Probability targets with class weights: -sum_c w_c q_c log p_c, mean over N (not over the weights).
  const soft = [[0.7, 0.2, 0.1], [0, 1, 0], [0.25, 0.25, 0.5], [0, 0, 1]];
  const w = [1, 2, 0.5];
  const want = mean(logits.map((row, i) => {
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    return -row.reduce((a, v, c) => a + w[c] * ((1 - 0.1) * soft[i][c] + 0.1 / 3) * (v - lse), 0);
  }));
  assertClose(gn.losses.softmaxCrossEntropy(Z, gn.tensor(soft, f64), { classWeights: w, labelSmoothing: 0.1 }).item(), want, 1e-12);
  // Stable for large logits.
  const big = gn.losses.softmaxCrossEntropy(gn.tensor([[1000, 0], [0, 1000]], f64), [0, 0], { reduction: "none" });
  assert.deepEqual((big.toArray() as number[]).map((v) => v + 0), [0, 1000]); // + 0 turns -0 into 0
  assert.throws(() => gn.losses.softmaxCrossEntropy(Z, [0, 1, 3, 0]), /label 3 at position 2 is outside \[0, 3\)/);
  assert.throws(() => gn.losses.softmaxCrossEntropy(Z, gn.tensor([[1, 0]], f64)), /probability targets have shape \[1, 2\]/);
  assert.throws(() => gn.losses.softmaxCrossEntropy(Z, Y, { classWeights: [1, 2] }), /classWeights have shape \[2\]/);
  assert.throws(() => gn.losses.softmaxCrossEntropy(Z, Y, { weights: [1, 2] }), /weights have shape \[2\]; they must be one per sample, shape \[4\]/);
});

test("hinge losses: binary with -1/+1 or 0/1 labels, and PyTorch's multi-margin", () => {
  const s = [0.5, -2, 0.2, 3];
  const y = [1, -1, -1, 1];
  const want = s.map((v, i) => Math.max(0, 1 - y[i] * v));
  assertVec(gn.losses.hinge(gn.tensor(s, f64), y, { reduction: "none" }), want);
  assertVec(gn.losses.hinge(gn.tensor(s, f64), y.map((v) => (v + 1) / 2), { reduction: "none" }), want);
  assert.throws(() => gn.losses.hinge(gn.tensor(s, f64), [1, 2, 0, 1]), /targets must be -1\/\+1/);
  const scores = [[3, 1, 2.5], [0, 0.2, -1], [1, 2, 3]];
  const labels = [0, 1, 0];
  const margin = 0.7;
  const wantMc = scores.map((row, i) => row.reduce((a, v, c) => (c === labels[i] ? a : a + Math.max(0, margin - row[labels[i]] + v)), 0) / 3);
  assertVec(gn.losses.multiclassHinge(gn.tensor(scores, f64), labels, { margin, reduction: "none" }), wantMc);
});

test("every loss passes checkGrads (orders 1-2, both modes) w.r.t. predictions and sample weights", () => {
  const key = gn.random.key(11);
  const [k1, k2] = gn.random.split(key);
  const x = gn.random.normal(k1, [4, 3], f64);
  const t = gn.random.normal(k2, [4, 3], f64);
  const w = gn.tensor([0.5, 1, 2, 1.5], f64);
  const labels = gn.tensor([2, 0, 1, 2], i32);
  const probs = gn.softmax(t);
  const binT = gn.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0.3, 0.6, 1]], f64);
  // Points are generic (away from the kinks of abs, relu and huber's threshold).
  const cases: [string, (p: gn.Tensor, s: gn.Tensor) => gn.Tensor][] = [
    ["mse", (p, s) => gn.losses.mse(p, t, { weights: s })],
    ["mae", (p, s) => gn.losses.mae(p, t, { weights: s })],
    ["huber", (p, s) => gn.losses.huber(p, t, { weights: s, delta: 0.9 })],
    ["bceWithLogits", (p, s) => gn.losses.bceWithLogits(p, binT, { weights: s, posWeight: 1.5 })],
    ["softmaxCrossEntropy indices", (p, s) => gn.losses.softmaxCrossEntropy(p, labels, { weights: s, labelSmoothing: 0.1, classWeights: [1, 2, 0.5] })],
    ["softmaxCrossEntropy probabilities", (p, s) => gn.losses.softmaxCrossEntropy(p, probs, { weights: s, reduction: "sum" })],
    ["hinge", (p, s) => gn.losses.hinge(gn.mul(p, 0.3), gn.tensor([[1, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, 1]], f64), { weights: s, reduction: "none" })],
    ["multiclassHinge", (p, s) => gn.losses.multiclassHinge(p, labels, { weights: s, margin: 0.5 })],
  ];
  for (const [name, f] of cases) {
    const v = f(x, w);
    assert.ok(Number.isFinite(gn.sum(v).item()), name);
    assert.doesNotThrow(() => gn.checkGrads(f, [x, w], { order: 2 }), name);
  }
  // Soft targets are differentiable too (e.g. for distillation).
  gn.checkGrads((q: gn.Tensor) => gn.losses.softmaxCrossEntropy(x, q), [probs]);
});

test("loss argument errors name the loss and the shapes", () => {
  assert.throws(() => gn.losses.mse(gn.ones([4, 1]), gn.ones([4])), /losses.mse: predictions have shape \[4, 1\] but targets have shape \[4\]; they must be equal \(reshape/);
  assert.throws(() => gn.losses.mse(gn.ones([2]), gn.ones([2]), { reduction: "avg" as never }), /reduction must be "mean", "sum" or "none"/);
  assert.throws(() => gn.losses.mse(gn.tensor([1, 2], i32), gn.ones([2])), gn.DTypeError);
  assert.throws(() => gn.losses.huber(gn.ones([2]), gn.ones([2]), { delta: 0 }), /delta must be a positive/);
  assert.ok(Number.isNaN(gn.losses.mse(gn.zeros([0]), gn.zeros([0])).item()), "the mean over an empty batch is NaN");
});
