/** gn.audit: attributions, robustness measures, attacks, counterfactuals, adversarial training, heatmaps. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import * as gn from "../src/index.js";
import { quadrature } from "../src/analysis/attribution.js";
import { simplexProjection } from "../src/analysis/counterfactual.js";
import { heatmapPng, writeHeatmapPng, writeHeatmapPngs } from "../src/analysis/png.js";
import { assertAllClose } from "./helpers.js";

const f64 = { dtype: "float64" as const };
const T = (v: gn.NestedArray) => gn.tensor(v, f64);
const arr = (t: gn.Tensor) => Array.from(t.toTypedArray());

// A linear multi-class model: 3 features -> 3 logits.
const W = T([
  [1.0, -2.0, 0.5],
  [0.3, 0.8, -1.2],
  [-0.7, 0.1, 2.0],
]);
const B = T([0.1, -0.2, 0.05]);
const linear: gn.audit.Model = (x) => gn.matmul(x, W).add(B);

// Logistic regression: 4 features -> one logit.
const w = [1.5, -2, 0.5, 0.25];
const b = -0.3;
const logistic: gn.audit.Model = (x) => gn.matmul(x, T(w.map((v) => [v]))).add(b);

// A tiny MLP: 4 -> 8 (tanh) -> 3, weights from a fixed key.
const [k1, k2] = gn.random.split(gn.random.key(7));
const W1 = gn.random.normal(k1, [4, 8], { dtype: "float64" });
const W2 = gn.random.normal(k2, [8, 3], { dtype: "float64" });
const mlp: gn.audit.Model = (x) => gn.matmul(gn.tanh(gn.matmul(x, W1)), W2);

const X = gn.random.normal(gn.random.key(1), [6, 3], { dtype: "float64" });
const X4 = gn.random.normal(gn.random.key(2), [6, 4], { dtype: "float64" });

function dot(a: number[], c: number[]): number {
  return a.reduce((s, v, i) => s + v * c[i], 0);
}
function rowsOf(t: gn.Tensor): number[][] {
  return t.toArray() as number[][];
}
const colOfW = (k: number) => rowsOf(W).map((r) => r[k]);
const logitOf = (row: number[]) => dot(row, w) + b;

// ---------- attributions ----------

test("saliency of a linear model is the target class's weight column; gradient x input is w ⊙ x", () => {
  const s = gn.audit.saliency(linear, X, { target: 2 });
  for (const r of rowsOf(s)) assertAllClose(r, colOfW(2), 1e-12);
  const gx = gn.audit.gradientTimesInput(linear, X, { target: [0, 1, 2, 0, 1, 2] });
  rowsOf(gx).forEach((r, i) => assertAllClose(r, rowsOf(X)[i].map((v, j) => v * colOfW(i % 3)[j]), 1e-12));
  // "predicted" explains each sample's argmax class.
  const pred = gn.audit.predict(linear, X);
  rowsOf(gn.audit.saliency(linear, X)).forEach((r, i) => assertAllClose(r, colOfW(pred[i]), 1e-12));
  assertAllClose(rowsOf(gn.audit.saliency(linear, X, { target: 1, abs: true }))[0], colOfW(1).map(Math.abs), 1e-12);
});

test("Gauss-Legendre quadrature: weights sum to 1 and integrate degree 2n-1 exactly", () => {
  for (const n of [1, 2, 5, 16, 50]) {
    const { nodes, weights } = quadrature("gaussLegendre", n);
    assert.ok(Math.abs(weights.reduce((s, v) => s + v, 0) - 1) < 1e-12);
    const deg = 2 * n - 1;
    const integral = nodes.reduce((s, t, i) => s + weights[i] * t ** deg, 0);
    assert.ok(Math.abs(integral - 1 / (deg + 1)) < 1e-12, `n=${n}: ${integral} vs ${1 / (deg + 1)}`);
    assert.ok(nodes.every((t) => t > 0 && t < 1));
  }
});

test("integrated gradients: completeness is exact for a linear model at any step count", () => {
  for (const method of ["gaussLegendre", "trapezoid", "midpoint", "left", "right"] as const) {
    const r = gn.audit.integratedGradients(linear, X, { steps: 3, method, target: 1, baseline: T([0.5, -1, 2]) });
    assert.ok(r.maxAbsGap < 1e-12, `${method}: gap ${r.maxAbsGap}`);
    rowsOf(r.attributions).forEach((row, i) => assertAllClose(row, rowsOf(X)[i].map((v, j) => colOfW(1)[j] * (v - [0.5, -1, 2][j])), 1e-12));
  }
});

test("integrated gradients on a nonlinear model: completeness within tolerance, closing as steps grow", () => {
  const coarse = gn.audit.integratedGradients(mlp, X4, { steps: 2, method: "trapezoid" });
  const fine = gn.audit.integratedGradients(mlp, X4, { steps: 64 });
  const outputs = Array.from(fine.output, (v, i) => Math.abs(v - fine.baselineOutput[i]));
  assert.ok(fine.maxAbsGap < 1e-8 * Math.max(1, ...outputs), `gap ${fine.maxAbsGap}`);
  assert.ok(coarse.maxAbsGap > 100 * fine.maxAbsGap, `coarse ${coarse.maxAbsGap} vs fine ${fine.maxAbsGap}`);
  // sum(attributions) matches f(x) - f(baseline), per sample, against a direct evaluation.
  const direct = gn.takeAlongAxis(mlp(X4), gn.tensor(gn.audit.predict(mlp, X4), { dtype: "int32", shape: [6, 1] }), 1).toArray() as number[][];
  direct.forEach((d, i) => assert.ok(Math.abs(d[0] - fine.output[i]) < 1e-12));
  // x^2 along a straight path: attributions are exactly x^2 from a zero baseline.
  const sq = gn.audit.integratedGradients((x) => x.square().sum(1), T([[1, -2, 3]]), { steps: 1 });
  assertAllClose(rowsOf(sq.attributions)[0], [1, 4, 9], 1e-12);
});

test("SmoothGrad is deterministic by key, differs across keys, and equals the gradient for a linear model", () => {
  const a = gn.audit.smoothGrad(mlp, X4, { key: gn.random.key(5), samples: 8 });
  const a2 = gn.audit.smoothGrad(mlp, X4, { key: gn.random.key(5), samples: 8 });
  const c = gn.audit.smoothGrad(mlp, X4, { key: gn.random.key(6), samples: 8 });
  assert.deepEqual(arr(a), arr(a2));
  assert.notDeepEqual(arr(a), arr(c));
  const lin = gn.audit.smoothGrad(linear, X, { key: gn.random.key(0), samples: 4, sigma: 0.5, target: 0 });
  for (const r of rowsOf(lin)) assertAllClose(r, colOfW(0), 1e-12);
  const v = gn.audit.smoothGrad(linear, X, { key: gn.random.key(0), samples: 4, sigma: 0.5, target: 0, aggregate: "variance" });
  assert.ok(arr(v).every((e) => Math.abs(e) < 1e-12));
  assert.throws(() => gn.audit.smoothGrad(mlp, X4, {} as never), gn.ValueError);
});

test("occlusion and feature ablation agree with the gradient on a linear model", () => {
  const base = T([0.2, 0.4, -0.1]);
  const ig = gn.audit.integratedGradients(linear, X, { target: 2, baseline: base }).attributions;
  const fa = gn.audit.featureAblation(linear, X, { target: 2, baseline: base });
  const oc = gn.audit.occlusion(linear, X, { target: 2, baseline: base, window: [1] });
  assertAllClose(arr(fa), arr(ig), 1e-12);
  assertAllClose(arr(oc), arr(ig), 1e-12);
  // Grouped ablation gives each member the group's total.
  const g = rowsOf(gn.audit.featureAblation(linear, X, { target: 2, baseline: base, groups: [[0, 1], [2]] }));
  const igr = rowsOf(ig);
  g.forEach((r, i) => {
    assert.ok(Math.abs(r[0] - (igr[i][0] + igr[i][1])) < 1e-12 && r[0] === r[1]);
    assert.ok(Math.abs(r[2] - igr[i][2]) < 1e-12);
  });
  // Overlapping 2-wide windows with stride 1 on 4 features of a sum: each window drops 2, so every feature gets 2.
  const oc2 = gn.audit.occlusion((x) => x.sum(1), gn.ones([1, 4], f64), { window: [2], strides: [1] });
  assertAllClose(arr(oc2), [2, 2, 2, 2], 1e-12);
  const img = gn.audit.occlusion((x) => x.sum([1, 2]), gn.ones([1, 4, 4], f64), { window: [2, 2] });
  assertAllClose(arr(img), new Array(16).fill(4), 1e-12);
  assert.throws(() => gn.audit.occlusion(linear, X, { window: [5] }), gn.ValueError);
});

test("global feature-sensitivity ranking of a logistic model follows |w| on unit inputs", () => {
  const names = ["a", "b", "c", "d"];
  for (const method of ["integratedGradients", "saliency", "featureAblation", "gradientTimesInput"] as const) {
    const ranks = gn.audit.featureSensitivity(logistic, gn.ones([5, 4], f64), { names, method });
    assert.deepEqual(ranks.map((r) => r.name), ["b", "a", "c", "d"], method);
    assert.deepEqual(ranks.map((r) => r.rank), [1, 2, 3, 4]);
    assert.ok(Math.abs(ranks[0].meanAbs - 2) < 1e-12 && ranks[0].mean < 0);
    assert.ok(Math.abs(ranks.reduce((s, r) => s + r.share, 0) - 1) < 1e-12);
  }
  assert.throws(() => gn.audit.featureSensitivity(logistic, gn.ones([2, 2, 2], f64)), gn.ShapeError);
});

test("image models: attributions, Jacobian norms and attacks work on [N, C, H, W] inputs through conv and pooling", () => {
  const [kc, kd] = gn.random.split(gn.random.key(40));
  const filt = gn.random.normal(kc, [2, 1, 3, 3], { dtype: "float64" });
  const dense = gn.random.normal(kd, [8, 3], { dtype: "float64" });
  const cnn: gn.audit.Model = (x) => gn.matmul(gn.maxPool2d(gn.tanh(gn.conv2d(x, filt, { padding: "same" })), { kernelSize: 3 }).reshape([-1, 8]), dense);
  const x = gn.random.uniform(gn.random.key(41), [2, 1, 6, 6], { dtype: "float64" });
  const s = gn.audit.saliency(cnn, x, { target: 1 });
  assert.deepEqual(s.shape, [2, 1, 6, 6]);
  // The saliency of sample 0 is the gradient of its own logit only.
  const one = gn.grad((v: gn.Tensor) => cnn(v).slice([0, 1], [1, 2]).sum())(gn.slice(x, [0], [1]));
  assertAllClose(arr(s).slice(0, 36), arr(one), 1e-12);
  const ig = gn.audit.integratedGradients(cnn, x, { steps: 48, target: 1 });
  const scale = Math.max(...Array.from(ig.output, (v, i) => Math.abs(v - ig.baselineOutput[i])));
  assert.ok(ig.maxAbsGap < 0.05 * scale, `gap ${ig.maxAbsGap} vs output change ${scale}`);
  const oc = gn.audit.occlusion(cnn, x, { window: [1, 2, 2], target: 1 });
  assert.deepEqual(oc.shape, [2, 1, 6, 6]);
  const sn = gn.audit.jacobianSpectralNorm(cnn, x, { iterations: 300, tol: 1e-10 });
  const J = gn.audit.inputJacobian(cnn, x);
  assert.deepEqual(J.shape, [2, 3, 1, 6, 6]);
  // ‖J‖₂ is at least the norm of any row and at most the Frobenius norm.
  (J.toArray() as number[][][][][]).forEach((Ji, i) => {
    const rows = Ji.map((r) => Math.hypot(...r.flat(2)));
    assert.ok(sn.norms[i] >= Math.max(...rows) - 1e-9 && sn.norms[i] <= Math.hypot(...rows) + 1e-9);
  });
  const y = gn.audit.predict(cnn, x);
  const r = gn.audit.pgd(cnn, x, y, { epsilon: 0.05, bounds: [0, 1], steps: 3 });
  assert.ok(Math.max(...arr(r.xAdv.sub(x)).map(Math.abs)) <= 0.05 + 1e-12);
});

// ---------- robustness ----------

test("input Jacobian: W transposed for a linear model; per-sample jacrev for an MLP", () => {
  const J = gn.audit.inputJacobian(linear, X);
  assert.deepEqual(J.shape, [6, 3, 3]);
  const wt = rowsOf(W.T);
  for (const s of J.toArray() as number[][][]) assertAllClose(s, wt, 1e-12);
  const Jm = gn.audit.inputJacobian(mlp, X4).toArray() as number[][][];
  const row = gn.slice(X4, [2, 0], [3, 4]).reshape([4]);
  const ref = gn.jacrev((v: gn.Tensor) => mlp(v.reshape([1, 4])).reshape([3]))(row);
  assertAllClose(Jm[2], ref.toArray(), 1e-12);
});

/** Largest singular value of a 3x2 or 2x3 matrix via the closed-form eigenvalues of the 2x2 Gram matrix. */
function spectral2(m: number[][]): number {
  const a = m.length === 2 ? m : m[0].map((_, j) => m.map((r) => r[j])); // 2 x k
  const g = [0, 1].map((i) => [0, 1].map((j) => dot(a[i], a[j])));
  const tr = g[0][0] + g[1][1];
  const det = g[0][0] * g[1][1] - g[0][1] * g[1][0];
  return Math.sqrt((tr + Math.sqrt(tr * tr - 4 * det)) / 2);
}

test("the spectral norm of a linear map's Jacobian by power iteration equals the closed form", () => {
  const M = [
    [2, -1, 0.5],
    [1, 3, -2],
  ];
  const lin2: gn.audit.Model = (x) => gn.matmul(x, T(M));
  const r = gn.audit.jacobianSpectralNorm(lin2, gn.random.normal(gn.random.key(3), [4, 2], { dtype: "float64" }), { tol: 1e-12, iterations: 200 });
  const want = spectral2(M);
  for (const s of r.norms) assert.ok(Math.abs(s - want) < 1e-9 * want, `${s} vs ${want}`);
  assert.ok(r.converged.every((c) => c));
  // The MLP's norm matches the dense Jacobian's top singular value (largest sqrt of eigenvalue of J Jᵀ, power iteration on the dense matrix).
  const sn = gn.audit.jacobianSpectralNorm(mlp, X4, { tol: 1e-13, iterations: 500 });
  const Jm = gn.audit.inputJacobian(mlp, X4).toArray() as number[][][];
  Jm.forEach((J, i) => {
    let v = [1, 0.5, -0.3];
    for (let it = 0; it < 2000; it++) {
      const jjt = J.map((ra) => J.map((rb) => dot(ra, rb)));
      const nv = jjt.map((r) => dot(r, v));
      const nn = Math.hypot(...nv);
      v = nv.map((e) => e / nn);
    }
    const jt = J[0].map((_, j) => J.map((r) => r[j]));
    const top = Math.hypot(...jt.map((r) => dot(r, v)));
    assert.ok(Math.abs(sn.norms[i] - top) < 1e-6 * top, `sample ${i}: ${sn.norms[i]} vs ${top}`);
  });
});

test("the local Lipschitz estimate of a linear map equals its spectral norm (and dual gradient norms per class)", () => {
  const M = [
    [2, -1, 0.5],
    [1, 3, -2],
  ];
  const lin2: gn.audit.Model = (x) => gn.matmul(x, T(M));
  const x = gn.random.normal(gn.random.key(4), [3, 2], { dtype: "float64" });
  const r = gn.audit.localLipschitz(lin2, x, { radius: 0.5, of: "output", samples: 4, iterations: 200 });
  const want = spectral2(M);
  for (const l of r.lipschitz) assert.ok(Math.abs(l - want) < 1e-6 * want, `${l} vs ${want}`);
  const col = [M[0][1], M[1][1]];
  const l2 = gn.audit.localLipschitz(lin2, x, { radius: 0.5, of: "target", target: 1, samples: 4 });
  const linf = gn.audit.localLipschitz(lin2, x, { radius: 0.5, of: "target", target: 1, samples: 4, norm: Infinity });
  for (const l of l2.lipschitz) assert.ok(Math.abs(l - Math.hypot(...col)) < 1e-12);
  for (const l of linf.lipschitz) assert.ok(Math.abs(l - (Math.abs(col[0]) + Math.abs(col[1]))) < 1e-12);
  assert.throws(() => gn.audit.localLipschitz(lin2, x, { radius: 0.5, of: "output", norm: Infinity }), gn.ValueError);
  // CLEVER on a linear classifier: margin / Lipschitz of the margin is the exact distance to the boundary.
  const cl = gn.audit.localLipschitz(logistic, X4, { radius: 100, samples: 3 });
  const dm = gn.audit.decisionMargin(logistic, X4);
  cl.clever!.forEach((c, i) => assert.ok(Math.abs(c - dm.distance[i]) < 1e-9));
  // On the MLP, the sampled maximum is at least the rate at the sample itself.
  const m = gn.audit.localLipschitz(mlp, X4, { radius: 0.3, samples: 8 });
  m.lipschitz.forEach((l, i) => assert.ok(l >= m.atSample[i]));
});

test("the margin to the decision boundary of linear models matches the closed-form distance", () => {
  const rows = rowsOf(X4);
  const dm = gn.audit.decisionMargin(logistic, X4);
  const wn = Math.hypot(...w);
  rows.forEach((r, i) => {
    const f = logitOf(r);
    assert.equal(dm.predicted[i], f > 0 ? 1 : 0);
    assert.ok(Math.abs(dm.margin[i] - Math.abs(f)) < 1e-12);
    assert.ok(Math.abs(dm.distance[i] - Math.abs(f) / wn) < 1e-12);
    assert.ok(Math.abs(dm.distanceLinf[i] - Math.abs(f) / w.reduce((s, v) => s + Math.abs(v), 0)) < 1e-12);
  });
  const dl = gn.audit.decisionMargin(linear, X);
  const logits = rowsOf(linear(X));
  logits.forEach((l, i) => {
    const k0 = dl.predicted[i];
    let best = Infinity;
    for (let k = 0; k < 3; k++) if (k !== k0) best = Math.min(best, (l[k0] - l[k]) / Math.hypot(...colOfW(k).map((v, j) => v - colOfW(k0)[j])));
    const others = l.filter((_, k) => k !== k0);
    assert.ok(Math.abs(dl.margin[i] - (l[k0] - Math.max(...others))) < 1e-12);
    assert.equal(dl.runnerUp[i], l.indexOf(Math.max(...others)));
    // The runner-up's hyperplane is not always the nearest; the first-order distance uses the runner-up.
    assert.ok(dl.distance[i] >= best - 1e-12);
  });
  // With labels, a misclassified sample has a negative margin.
  const wrong = Array.from(dm.predicted, (p) => 1 - p);
  assert.ok(gn.audit.decisionMargin(logistic, X4, { labels: wrong }).margin.every((m) => m < 0));
});

// ---------- attacks ----------

test("FGSM on a linear model equals its closed form (L-infinity and L2, binary and softmax)", () => {
  const eps = 0.1;
  const y = [1, 0, 1, 0, 1, 0];
  const r = gn.audit.fgsm(logistic, X4, y, { epsilon: eps });
  rowsOf(r.xAdv).forEach((row, i) => {
    const s = y[i] === 1 ? -1 : 1; // the loss grows against the label
    assertAllClose(row, rowsOf(X4)[i].map((v, j) => v + s * eps * Math.sign(w[j])), 1e-12);
  });
  const r2 = gn.audit.fgsm(logistic, X4, y, { epsilon: eps, norm: 2 });
  const wn = Math.hypot(...w);
  rowsOf(r2.xAdv).forEach((row, i) => assertAllClose(row, rowsOf(X4)[i].map((v, j) => v + (y[i] === 1 ? -1 : 1) * eps * (w[j] / wn)), 1e-12));
  // Softmax regression: ∇ loss = W (p - e_y).
  const ym = [0, 1, 2, 0, 1, 2];
  const rm = gn.audit.fgsm(linear, X, ym, { epsilon: eps });
  const P = rowsOf(gn.softmax(linear(X), 1));
  rowsOf(rm.xAdv).forEach((row, i) => {
    const d = P[i].map((p, k) => p - (k === ym[i] ? 1 : 0));
    const g = rowsOf(W).map((wr) => dot(wr, d));
    assertAllClose(row, rowsOf(X)[i].map((v, j) => v + eps * Math.sign(g[j])), 1e-12);
  });
  // Targeted: descends towards the target.
  const rt = gn.audit.fgsm(logistic, X4, y, { epsilon: eps, targeted: true });
  rowsOf(rt.xAdv).forEach((row, i) => assertAllClose(row, rowsOf(X4)[i].map((v, j) => v - (y[i] === 1 ? -1 : 1) * eps * Math.sign(w[j])), 1e-12));
});

test("PGD never leaves the epsilon ball or the valid range", () => {
  const x = gn.random.uniform(gn.random.key(9), [16, 4], { dtype: "float64" });
  const y = gn.audit.predict(mlp, x);
  for (const norm of [Infinity, 2] as const)
    for (const eps of [0.05, 0.3, 2]) {
      const r = gn.audit.pgd(mlp, x, y, { epsilon: eps, norm, steps: 7, stepSize: eps / 2, bounds: [0, 1], key: gn.random.key(11), restarts: 2 });
      const a = rowsOf(r.xAdv);
      rowsOf(x).forEach((row, i) => {
        const d = row.map((v, j) => a[i][j] - v);
        const n = norm === Infinity ? Math.max(...d.map(Math.abs)) : Math.hypot(...d);
        assert.ok(n <= eps * (1 + 1e-12), `norm ${norm} eps ${eps}: ${n}`);
        assert.ok(a[i].every((v) => v >= 0 && v <= 1), `out of range: ${a[i]}`);
      });
      // success is exactly "the decision changed".
      r.success.forEach((s, i) => assert.equal(s, r.predicted[i] !== y[i]));
    }
  // Per-feature bounds as tensors, float32 inputs.
  const x32 = x.astype("float32");
  const lo = gn.tensor([0, 0.2, 0, 0]);
  const hi = gn.tensor([1, 0.8, 0.5, 1]);
  const m32: gn.audit.Model = (v) => mlp(v.astype("float64"));
  const r = gn.audit.pgd(m32, gn.clip(x32, lo, hi), y, { epsilon: 0.1, steps: 5, bounds: [lo, hi] });
  const a = rowsOf(r.xAdv);
  const x0 = rowsOf(gn.clip(x32, lo, hi));
  const L = arr(lo);
  const H = arr(hi);
  a.forEach((row, i) => row.forEach((v, j) => {
    assert.ok(v >= L[j] && v <= H[j]);
    assert.ok(Math.abs(v - x0[i][j]) <= 0.1 + 1e-6);
  }));
});

test("PGD on a linear classifier succeeds exactly when epsilon exceeds the L-infinity distance to the boundary", () => {
  const dm = gn.audit.decisionMargin(logistic, X4);
  const y = dm.predicted;
  for (const factor of [0.9, 1.1]) {
    for (let i = 0; i < 6; i++) {
      const xi = gn.slice(X4, [i, 0], [i + 1, 4]);
      const r = gn.audit.pgd(logistic, xi, [y[i]], { epsilon: dm.distanceLinf[i] * factor, steps: 20 });
      assert.equal(r.success[0], factor > 1, `sample ${i}, factor ${factor}`);
    }
  }
});

test("DeepFool on a linear classifier equals the closed-form distance to the hyperplane", () => {
  const eta = 0.02;
  const r = gn.audit.deepFool(logistic, X4, { overshoot: eta });
  const wn = Math.hypot(...w);
  rowsOf(X4).forEach((row, i) => {
    assert.ok(Math.abs(r.norms[i] - (1 + eta) * Math.abs(logitOf(row)) / wn) < 1e-9, `${r.norms[i]}`);
    assert.equal(r.iterations[i], 1);
  });
  assert.ok(r.flipped.every((f) => f));
  // Multi-class: the nearest of the pairwise hyperplanes (the region is their intersection).
  const rm = gn.audit.deepFool(linear, X, { overshoot: eta });
  const logits = rowsOf(linear(X));
  logits.forEach((l, i) => {
    const k0 = rm.original[i];
    let best = Infinity;
    for (let k = 0; k < 3; k++) if (k !== k0) best = Math.min(best, (l[k0] - l[k]) / Math.hypot(...colOfW(k).map((v, j) => v - colOfW(k0)[j])));
    assert.ok(Math.abs(rm.norms[i] - (1 + eta) * best) < 1e-9, `sample ${i}: ${rm.norms[i]} vs ${(1 + eta) * best}`);
  });
  assert.ok(rm.flipped.every((f) => f));
  // On the MLP it flips every sample, and the perturbation is the reported one.
  const rmlp = gn.audit.deepFool(mlp, X4);
  assert.ok(rmlp.flipped.every((f) => f));
  assertAllClose(arr(rmlp.perturbation), arr(rmlp.xAdv.sub(X4)), 1e-15);
});

test("robust accuracy over epsilon never increases, starts at the clean accuracy and reaches 0 for large budgets", () => {
  const x = gn.random.uniform(gn.random.key(21), [24, 4], { dtype: "float64" });
  const yTrue = gn.audit.predict((v) => mlp(v.add(0.05)), x); // labels the model mostly, not entirely, agrees with
  const clean = gn.audit.predict(mlp, x).filter((p, i) => p === yTrue[i]).length / 24;
  for (const attack of ["pgd", "fgsm"] as const) {
    const curve = gn.audit.robustAccuracyCurve(mlp, x, yTrue, { epsilons: [0.4, 0, 0.05, 0.1, 0.2, 5], attack, steps: 5, batchSize: 10 });
    assert.deepEqual(curve.map((p) => p.epsilon), [0, 0.05, 0.1, 0.2, 0.4, 5]);
    assert.equal(curve[0].accuracy, clean);
    for (let i = 1; i < curve.length; i++) assert.ok(curve[i].accuracy <= curve[i - 1].accuracy, `${attack}: ${JSON.stringify(curve)}`);
    assert.ok(curve[1].accuracy < clean || curve[4].accuracy < clean);
  }
  const lin = gn.audit.robustAccuracyCurve(logistic, X4, gn.audit.predict(logistic, X4), { epsilons: [0, 100] });
  assert.deepEqual(lin.map((p) => p.accuracy), [1, 0]);
});

test("attacks never write NaN: non-finite gradient entries are skipped and counted; NaN outputs count as wrong", () => {
  // sqrt(x) has an infinite derivative at 0.
  const model: gn.audit.Model = (x) => gn.stack([gn.sqrt(gn.abs(x)).sum(1), x.sum(1).neg()], 1);
  const x = T([[0, 1], [1, 4]]);
  const r = gn.audit.fgsm(model, x, [0, 0], { epsilon: 0.1 });
  assert.ok(r.nonFiniteGradients >= 1);
  assert.ok(arr(r.xAdv).every(Number.isFinite));
  assert.deepEqual(Array.from(gn.audit.predict((v) => v.log(), T([[-1, 0], [1, 2]]))), [-1, 1]);
  assert.throws(() => gn.audit.fgsm(logistic, X4, [0, 1], { epsilon: 0.1 }), gn.ShapeError);
  assert.throws(() => gn.audit.pgd(logistic, X4, [0, 1, 0, 1, 0, 1], { epsilon: -1 }), gn.ValueError);
  assert.throws(() => gn.audit.saliency((v) => v.reshape([2, 3, 2]), X4), gn.ShapeError);
  assert.throws(() => gn.audit.saliency(linear, X, { target: 3 }), gn.ValueError);
});

// ---------- counterfactuals ----------

test("a counterfactual flips the decision, keeps immutable features, rounds integers, keeps one-hot blocks valid", () => {
  // 6 columns: income (std), age (immutable, std), children (integer), owner (binary), colour one-hot [red, green].
  const wc = [1.2, -0.8, 0.6, 0.9, -0.5, 0.7];
  const model: gn.audit.Model = (x) => gn.matmul(x, T(wc.map((v) => [v]))).sub(1.5);
  const space: gn.audit.FeatureSpace = {
    features: [
      { name: "income", shift: 50_000, scale: 12_000 },
      { name: "age", shift: 40, scale: 12, immutable: true },
      { name: "children", shift: 1.5, scale: 1.1, kind: "integer", min: 0, max: 8 },
      { name: "owner", kind: "binary" },
      { name: "colour=red" },
      { name: "colour=green" },
    ],
    groups: [{ name: "colour", columns: [4, 5], categories: ["red", "green"] }],
  };
  const rowModel = [-0.5, 0.5, (1 - 1.5) / 1.1, 0, 1, 0];
  const r = gn.audit.counterfactual(model, T(rowModel), space);
  assert.ok(r.found);
  assert.equal(r.before, 0);
  assert.equal(r.after, 1);
  assert.equal(gn.audit.predict(model, r.x.reshape([1, 6]))[0], 1);
  assert.ok(r.margin > 0);
  const cf = r.counterfactual;
  assert.equal(arr(r.x)[1], rowModel[1]); // age untouched
  assert.equal(cf[1], 40 + 12 * 0.5);
  assert.ok(Number.isInteger(cf[2]) && cf[2] >= 0 && cf[2] <= 8, `children ${cf[2]}`);
  assert.ok(cf[3] === 0 || cf[3] === 1);
  assert.ok((cf[4] === 1 && cf[5] === 0) || (cf[4] === 0 && cf[5] === 1));
  for (const c of r.changes) {
    assert.ok(Math.abs(c.to - c.from - c.delta) < 1e-9);
    assert.equal(c.to, cf[c.index]);
    assert.equal(c.from, r.original[c.index]);
    assert.notEqual(c.name, "age");
  }
  assert.deepEqual(r.original.slice(0, 2), [44_000, 46]);
  assert.equal(r.changed, r.changes.length + r.categoricalChanges.length);
  assert.ok(r.changed >= 1);
  // Immutable everything except income: the change needed is (1.5 - f_rest) / 1.2 model units at least.
  const onlyIncome: gn.audit.FeatureSpace = { features: space.features.map((f, j) => ({ ...f, immutable: j !== 0 })), groups: [{ ...space.groups![0], immutable: true }] };
  const r1 = gn.audit.counterfactual(model, T(rowModel), onlyIncome, { confidence: 0.01 });
  const need = -(dot(rowModel, wc) - 1.5) / 1.2;
  assert.ok(r1.found && r1.changes.length === 1 && r1.changes[0].name === "income");
  const moved = r1.changes[0].delta / 12_000;
  assert.ok(moved >= need && moved <= need + 0.1, `moved ${moved}, needed ${need}`);
  assert.deepEqual(arr(r1.x).slice(1), rowModel.slice(1));
  // When no mutable feature can flip it, nothing is found and the sample comes back unchanged.
  const none = gn.audit.counterfactual(model, T(rowModel), { features: space.features.map((f) => ({ ...f, immutable: true })) }, { rounds: 2, steps: 20 });
  assert.ok(!none.found && none.changed === 0 && none.after === none.before);
});

test("counterfactuals on a tiny MLP flip to a chosen class and to any other class", () => {
  const space: gn.audit.FeatureSpace = { features: ["a", "b", "c", "d"].map((name) => ({ name })) };
  const x = gn.slice(X4, [0, 0], [1, 4]);
  const before = gn.audit.predict(mlp, x)[0];
  const any = gn.audit.counterfactual(mlp, x, space);
  assert.ok(any.found && any.after !== before);
  assert.notEqual(gn.audit.predict(mlp, any.x)[0], before);
  const target = [0, 1, 2].find((k) => k !== before && k !== any.after) ?? (before + 1) % 3;
  const chosen = gn.audit.counterfactual(mlp, x, space, { targetClass: target });
  assert.ok(chosen.found);
  assert.equal(gn.audit.predict(mlp, chosen.x)[0], target);
  assert.throws(() => gn.audit.counterfactual(mlp, x, space, { targetClass: before }), gn.ValueError);
  assert.throws(() => gn.audit.counterfactual(mlp, X4, space), gn.ShapeError);
  assert.throws(() => gn.audit.counterfactual(mlp, x, { features: [{ name: "a" }] }), gn.ValueError);
  assert.throws(() => gn.audit.counterfactual(mlp, T([[NaN, 0, 0, 0]]), space), gn.ValueError);
});

test("a feature space from a fitted preprocessor reports counterfactuals in the CSV's units and categories", () => {
  const csv = "income,age,owner,city,approved\n" + [
    [30, 25, "no", "north", 0], [80, 40, "yes", "south", 1], [45, 35, "no", "south", 0], [95, 50, "yes", "north", 1],
    [60, 30, "yes", "east", 1], [20, 60, "no", "east", 0], [70, "", "no", "north", 1], [40, 45, "yes", "south", 0],
  ].map((r) => r.join(",")).join("\n");
  const ds = gn.data.datasetFromTable(gn.data.parseCsv(csv), { target: "approved" });
  const prep = gn.data.fitPreprocessor(ds, [0, 1, 2, 3, 4, 5, 6, 7], { missingIndicators: true });
  const space = gn.audit.featureSpaceFromPreprocessor(prep.spec, { immutable: ["age"], integer: ["income"], ranges: { income: [0, 200] } });
  assert.deepEqual(space.features.map((f) => f.name), prep.featureNames);
  assert.deepEqual(space.groups!.map((g) => [g.name, g.categories]), [["city", ["east", "north", "south"]]]);
  const x = prep.transform(ds, undefined, { dtype: "float64" }).x;
  // A model that likes income and the south: logit = 2 * income_std + 1.5 * [city=south] - 1.
  const coef = prep.featureNames.map((n) => (n === "income" ? 2 : n === "city=south" ? 1.5 : 0));
  const model: gn.audit.Model = (v) => gn.matmul(v, T(coef.map((c) => [c]))).sub(1);
  const row = gn.slice(x, [0], [1]);
  const r = gn.audit.counterfactual(model, row, space);
  assert.ok(r.found && r.before === 0 && r.after === 1);
  const income = r.changes.find((c) => c.name === "income");
  if (income) {
    assert.equal(income.from, 30);
    assert.ok(Number.isInteger(income.to) && income.to > 30 && income.to <= 200);
  }
  assert.ok(r.changes.every((c) => c.name !== "age" && c.name !== "age:missing"));
  for (const c of r.categoricalChanges) assert.ok(c.group === "city" && ["east", "north", "south"].includes(c.to));
  assert.throws(() => gn.audit.featureSpaceFromPreprocessor(prep.spec, { immutable: ["height"] }), gn.ValueError);
  assert.throws(() => gn.audit.featureSpaceFromPreprocessor(prep.spec, { integer: ["owner"] }), gn.ValueError);
});

test("simplex projection", () => {
  assertAllClose(simplexProjection([0.2, 0.2]), [0.5, 0.5], 1e-12);
  assertAllClose(simplexProjection([2, 0, -1]), [1, 0, 0], 1e-12);
  assertAllClose(simplexProjection([0.5, 0.3, 0.2]), [0.5, 0.3, 0.2], 1e-12);
});

// ---------- adversarial training ----------

test("adversarialLoss differentiates the loss at the PGD inputs (Danskin), with the parameters constant inside the attack", () => {
  const apply = (p: { w: gn.Tensor }, x: gn.Tensor) => gn.matmul(x, p.w);
  const params = { w: T([[1], [-1], [0.5], [2]]) };
  const y = [1, 0, 1, 1, 0, 0];
  const opts = { epsilon: 0.2, steps: 4 };
  const lossFn = gn.audit.adversarialLoss(apply, opts);
  const g = gn.grad(lossFn)(params, X4, y, gn.random.key(3));
  const xAdv = gn.audit.pgdAugment((x) => apply(params, x), X4, y, { ...opts, key: gn.random.key(3) });
  const lossAt = (p: { w: gn.Tensor }) => {
    const s = apply(p, xAdv).reshape([6]);
    return gn.softplus(s).sub(s.mul(T(y))).mean();
  };
  assertAllClose(arr(g.w), arr(gn.grad(lossAt)(params).w), 1e-12);
  const mixed = gn.audit.adversarialLoss(apply, { ...opts, mix: 0.5 })(params, X4, y, gn.random.key(3)).item();
  const cleanLoss = gn.softplus(apply(params, X4).reshape([6])).sub(apply(params, X4).reshape([6]).mul(T(y))).mean().item();
  assert.ok(Math.abs(mixed - 0.5 * (cleanLoss + lossAt(params).item())) < 1e-12);
  assert.throws(() => gn.audit.adversarialLoss(apply, { ...opts, mix: 2 }), gn.ValueError);
});

test("adversarial training raises robust accuracy over standard training", () => {
  // Feature 0 is robust (±1, right 90% of the time); features 1..8 are weakly correlated with the label
  // (mean ±0.5, std 1), so together they predict well but an L-infinity attack of 0.6 flips them all.
  const n = 60;
  const d = 8;
  const ys = Array.from({ length: n }, (_, i) => i % 2);
  const u = arr(gn.random.uniform(gn.random.key(1), [n], { dtype: "float64" }));
  const z = rowsOf(gn.random.normal(gn.random.key(2), [n, d], { dtype: "float64" }));
  const x = T(ys.map((yy, i) => {
    const s = yy ? 1 : -1;
    return [u[i] < 0.9 ? s : -s, ...z[i].map((v) => v + 0.5 * s)];
  }));
  type P = { w: gn.Tensor; b: gn.Tensor };
  const apply = (p: P, v: gn.Tensor) => gn.matmul(v, p.w).add(p.b);
  const train = (loss: (p: P, k: gn.random.Key) => gn.Tensor) => {
    let p: P = { w: gn.zeros([d + 1, 1], f64), b: T([0]) };
    for (let s = 0; s < 40; s++) {
      const g = gn.grad((pp: P) => loss(pp, gn.random.foldIn(gn.random.key(0), s)))(p);
      p = gn.treeMap((a: gn.Tensor, dd: gn.Tensor) => a.sub(dd), p, g);
    }
    return p;
  };
  const bce = (p: P) => {
    const s = apply(p, x).reshape([n]);
    return gn.softplus(s).sub(s.mul(T(ys))).mean();
  };
  const adv = gn.audit.adversarialLoss(apply, { epsilon: 0.6, steps: 3 });
  const robust = (p: P) => gn.audit.robustAccuracyCurve((v) => apply(p, v), x, ys, { epsilons: [0, 0.6], steps: 10 });
  const [s0, s1] = robust(train(bce));
  const [a0, a1] = robust(train((p, k) => adv(p, x, ys, k)));
  assert.ok(s0.accuracy > 0.9 && a0.accuracy > 0.8, `clean accuracy: standard ${s0.accuracy}, adversarial ${a0.accuracy}`);
  assert.ok(a1.accuracy > s1.accuracy + 0.2, `robust accuracy at 0.6: standard ${s1.accuracy}, adversarial ${a1.accuracy}`);
});

// ---------- heatmaps ----------

test("heatmaps: diverging colours, NaN grey, upscaling, overlay; PNG files decode to the same pixels", () => {
  const m = T([[1, -1], [0, NaN]]);
  const img = gn.audit.heatmapRGBA(m, { scale: 1 });
  assert.deepEqual([img.width, img.height], [2, 2]);
  const px = (i: number) => Array.from(img.data.slice(4 * i, 4 * i + 4));
  assert.deepEqual(px(0), [255, 0, 0, 255]);
  assert.deepEqual(px(1), [0, 0, 255, 255]);
  assert.deepEqual(px(2), [255, 255, 255, 255]);
  assert.deepEqual(px(3), [128, 128, 128, 255]);
  const seq = gn.audit.heatmapRGBA(T([[0, 2]]), { scale: 2 });
  assert.deepEqual(Array.from(seq.data), [0, 0, 0, 255, 255, 255, 255, 255]);
  const up = gn.audit.heatmapRGBA(m, { upscale: 3, overlay: T([[0, 1], [1, 0]]) });
  assert.deepEqual([up.width, up.height], [6, 6]);
  const bytes = heatmapPng(m, { upscale: 3 });
  const decoded = PNG.sync.read(bytes);
  assert.deepEqual([decoded.width, decoded.height], [6, 6]);
  assert.deepEqual(Array.from(decoded.data), Array.from(gn.audit.heatmapRGBA(m, { upscale: 3 }).data));
  const dir = mkdtempSync(join(tmpdir(), "gradnav-audit-"));
  const path = writeHeatmapPng(join(dir, "sub", "m.png"), gn.audit.saliency((x) => x.square().sum([1, 2]), gn.ones([1, 3, 3], f64)).reshape([3, 3]));
  assert.equal(PNG.sync.read(readFileSync(path)).width, 3);
  const paths = writeHeatmapPngs(dir, gn.ones([2, 1, 2, 2]), { prefix: "s-" });
  assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)), ["s-0.png", "s-1.png"]);
  assert.throws(() => gn.audit.heatmapRGBA(gn.ones([2, 2, 2])), gn.ShapeError);
});
