/** Gradient transformations: chains, hyperparameters in the state, clipping, decay, masking, accumulation, NaN handling. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const O = gn.optim;
const f64 = { dtype: "float64" } as const;

function arr(t: gn.Tensor): number[] {
  return Array.from(t.toTypedArray());
}
function close(a: number[], b: number[], tol = 1e-12, what = ""): void {
  assert.equal(a.length, b.length, what);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${x} vs ${b[i]}`));
}
function treeClose(a: unknown, b: unknown, tol = 1e-12, what = ""): void {
  const la = gn.treeLeaves(a);
  const lb = gn.treeLeaves(b);
  assert.equal(la.length, lb.length);
  la.forEach((x, i) => close(arr(x), arr(lb[i]), tol, `${what} leaf ${i}`));
}

const params = () => ({ w: gn.tensor([[0.5, -1.5], [2, 0.25]], f64), b: gn.tensor([0.1, -0.3], f64) });
const grads = () => ({ w: gn.tensor([[0.2, -0.4], [1.5, -0.05]], f64), b: gn.tensor([3, -0.5], f64) });

test("chain names its members' state and runs them in key order", () => {
  const opt = O.chain({ clip: O.clipByGlobalNorm(1), adam: O.adam({ lr: 0.1 }) });
  const state = opt.init(params());
  assert.deepEqual(Object.keys(state), ["clip", "adam"]);
  assert.ok(state.adam.mu.w instanceof gn.Tensor);
  assert.deepEqual(state.adam.mu.w.shape, [2, 2]);
  assert.equal(state.adam.hyper.lr, 0.1);
  const r = opt.update(grads(), state, params());
  // Same as clipping by hand, then Adam.
  const clip = O.clipByGlobalNorm(1).update(grads(), O.clipByGlobalNorm(1).init(params()));
  const ad = O.adam({ lr: 0.1 });
  const manual = ad.update(clip.updates, ad.init(params()), params());
  treeClose(r.updates, manual.updates);
  treeClose(r.state.adam.mu, manual.state.mu);
  assert.equal(r.state.adam.count, 1);
  assert.equal(r.info.clip?.clipped, true);
  assert.equal(r.info.lr, 0.1);
});

test("transformations compose in any order: every ordering equals applying them one after another", () => {
  const pieces: Record<string, () => gn.optim.GradientTransformation> = {
    clip: () => O.clipByGlobalNorm(0.8),
    value: () => O.clipByValue(0.3),
    decay: () => O.addDecayedWeights(0.1),
    scale: () => O.scale(-0.5),
    momentum: () => O.scaleByMomentum({ momentum: 0.5 }),
  };
  const names = Object.keys(pieces);
  const perms: string[][] = [];
  const permute = (rest: string[], acc: string[]) => (rest.length === 0 ? perms.push(acc) : rest.forEach((n, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, n])));
  permute(names, []);
  const seen = new Set<string>();
  for (const order of perms.filter((_, i) => i % 7 === 0)) {
    const opt = O.chain(Object.fromEntries(order.map((n) => [n, pieces[n]()])));
    let state = opt.init(params());
    const manual = order.map((n) => pieces[n]());
    let manualStates = manual.map((t) => t.init(params()));
    for (let step = 0; step < 2; step++) {
      const r = opt.update(grads(), state, params());
      let u: unknown = grads();
      manualStates = manual.map((t, i) => {
        const m = t.update(u, manualStates[i], params());
        u = m.updates;
        return m.state;
      });
      treeClose(r.updates, u, 1e-12, order.join(">"));
      state = r.state;
      seen.add(arr(gn.treeLeaves(r.updates)[0]).map((x) => x.toFixed(9)).join(","));
    }
  }
  // The orders really differ (the check above is not vacuous).
  assert.ok(seen.size > 2);
});

test("a nested chain behaves like the flat chain, with nested state names", () => {
  const flat = O.chain({ clip: O.clipByGlobalNorm(1), adam: O.scaleByAdam(), lr: O.scaleByLearningRate(0.01) });
  const nested = O.chain({ clip: O.clipByGlobalNorm(1), opt: O.chain({ adam: O.scaleByAdam(), lr: O.scaleByLearningRate(0.01) }) });
  let s1 = flat.init(params());
  let s2 = nested.init(params());
  for (let k = 0; k < 3; k++) {
    const a = flat.update(grads(), s1, params());
    const b = nested.update(grads(), s2, params());
    treeClose(a.updates, b.updates);
    s1 = a.state;
    s2 = b.state;
  }
  treeClose(s1.adam.nu, s2.opt.adam.nu);
});

test("adam equals scaleByAdam followed by scaleByLearningRate; adamw equals Optax's decoupled chain", () => {
  const lr = 0.05;
  const pairs: [gn.optim.GradientTransformation, gn.optim.GradientTransformation][] = [
    [O.adam({ lr }), O.chain({ adam: O.scaleByAdam(), lr: O.scaleByLearningRate(lr) })],
    [O.adamw({ lr, weightDecay: 0.1 }), O.chain({ adam: O.scaleByAdam(), decay: O.addDecayedWeights(0.1), lr: O.scaleByLearningRate(lr) })],
    [O.sgd({ lr, momentum: 0.9 }), O.chain({ m: O.scaleByMomentum({ momentum: 0.9 }), lr: O.scaleByLearningRate(lr) })],
    [O.rmsprop({ lr, centered: true }), O.chain({ m: O.scaleByRms({ centered: true }), lr: O.scaleByLearningRate(lr) })],
    [O.adagrad({ lr }), O.chain({ m: O.scaleByAdagrad(), lr: O.scaleByLearningRate(lr) })],
  ];
  for (const [a, b] of pairs) {
    let p = params();
    let q = params();
    let sa = a.init(p);
    let sb = b.init(q);
    for (let k = 0; k < 4; k++) {
      const ra = a.update(gn.treeMap((x: gn.Tensor) => x.sin(), p), sa, p);
      const rb = b.update(gn.treeMap((x: gn.Tensor) => x.sin(), q), sb, q);
      p = O.applyUpdates(p, ra.updates);
      q = O.applyUpdates(q, rb.updates);
      sa = ra.state;
      sb = rb.state;
    }
    treeClose(p, q, 1e-12, a.name);
  }
});

test("hyperparameters live in the state: read, set between steps, or given as schedules", () => {
  const opt = O.chain({ clip: O.clipByGlobalNorm(1), adam: O.adam({ lr: 0.1 }) });
  let state = opt.init(params());
  assert.equal(O.getHyper(state, "adam.lr"), 0.1);
  assert.equal(O.getHyper(state, "clip.max"), 1);
  const changed = O.setHyper(state, "adam.lr", 0.01);
  assert.equal(O.getHyper(changed, "adam.lr"), 0.01);
  assert.equal(O.getHyper(state, "adam.lr"), 0.1, "setHyper does not mutate");
  assert.equal(changed.clip, state.clip, "the rest of the state is shared");
  const a = opt.update(grads(), state, params());
  const b = opt.update(grads(), changed, params());
  treeClose(b.updates, gn.treeMap((u: gn.Tensor) => u.mul(0.1), a.updates));
  assert.equal(b.info.lr, 0.01);
  // A schedule as the learning rate: the info reports its value at each step.
  const sched = O.piecewiseConstantSchedule({ boundaries: [2, 4], values: [0.1, 0.01, 0.001] });
  const opt2 = O.sgd({ lr: sched });
  let s = opt2.init(params());
  const lrs: number[] = [];
  for (let k = 0; k < 5; k++) {
    const r = opt2.update(grads(), s, params());
    lrs.push(r.info.lr!);
    close(arr(r.updates.b), arr(grads().b).map((g) => -O.scheduleValue(sched, k) * g), 1e-15);
    s = r.state;
  }
  assert.deepEqual(lrs, [0, 1, 2, 3, 4].map((k) => O.scheduleValue(sched, k)));
  assert.throws(() => O.getHyper(state, "adam.learningRate"), /no hyperparameter "learningRate".*lr, b1, b2, eps, weightDecay/);
  assert.throws(() => O.getHyper(state, "sgd.lr"), /no transform state at "sgd"/);
  assert.throws(() => O.setHyper(state, "adam.lr", "fast" as never), /must be a number or a schedule/);
});

test("state is plain data: tensors, numbers, null and schedules; a copy of it resumes the run exactly", () => {
  const opt = O.chain({ clip: O.clipByGlobalNorm(2), adam: O.adam({ lr: O.cosineDecaySchedule({ init: 0.1, steps: 10 }), amsgrad: true }) });
  const g = (p: ReturnType<typeof params>) => gn.treeMap((x: gn.Tensor) => x.mul(x).sub(0.3), p);
  let p = params();
  let s = opt.init(p);
  for (let k = 0; k < 3; k++) {
    const r = opt.update(g(p), s, p);
    p = O.applyUpdates(p, r.updates);
    s = r.state;
  }
  const check = (x: unknown, path: string): void => {
    if (x instanceof gn.Tensor || x === null || typeof x === "number" || typeof x === "string" || typeof x === "boolean") return;
    assert.ok(Array.isArray(x) || Object.getPrototypeOf(x) === Object.prototype, `${path} is not plain data`);
    for (const [k, v] of Object.entries(x as object)) check(v, `${path}.${k}`);
  };
  check(s, "state");
  // Checkpoint: tensors to arrays (JSON), then back.
  const saved = JSON.stringify(s, (_k, v) => (v instanceof gn.Tensor ? { shape: v.shape, data: Array.from(v.toTypedArray()) } : v));
  const restored = JSON.parse(saved, (_k, v) => (v && typeof v === "object" && Array.isArray(v.shape) && Array.isArray(v.data) ? gn.tensor(new Float64Array(v.data), { shape: v.shape }) : v));
  let p1 = p;
  let s1 = s;
  let p2 = p;
  let s2 = restored;
  for (let k = 0; k < 3; k++) {
    const r1 = opt.update(g(p1), s1, p1);
    const r2 = opt.update(g(p2), s2, p2);
    p1 = O.applyUpdates(p1, r1.updates);
    p2 = O.applyUpdates(p2, r2.updates);
    s1 = r1.state;
    s2 = r2.state;
  }
  treeClose(p1, p2, 0);
});

test("clipByValue limits elements and counts them; clipByGlobalNorm rescales to the limit", () => {
  const v = O.clipByValue(0.5);
  const r = v.update(grads(), v.init(params()));
  close(arr(r.updates.w), [0.2, -0.4, 0.5, -0.05]);
  close(arr(r.updates.b), [0.5, -0.5]);
  assert.deepEqual(r.info.clip, { kind: "value", clipped: true, count: 2 }); // 1.5 and 3 (-0.5 is at the limit)
  const n = O.clipByGlobalNorm(1);
  const norm = O.globalNorm(grads());
  const rn = n.update(grads(), n.init(params()));
  assert.ok(Math.abs(O.globalNorm(rn.updates) - 1) < 1e-12);
  treeClose(rn.updates, gn.treeMap((g: gn.Tensor) => g.div(norm), grads()));
  assert.equal(rn.info.clip?.clipped, true);
  assert.ok(Math.abs(rn.info.clip!.norm! - norm) < 1e-12);
  const big = O.clipByGlobalNorm(100);
  const rb = big.update(grads(), big.init(params()));
  treeClose(rb.updates, grads());
  assert.equal(rb.info.clip?.clipped, false);
  // A NaN norm: passed through unchanged and reported, never turned into a silent rescale.
  const bad = { w: gn.tensor([NaN, 1], f64) };
  const rnan = n.update(bad, n.init(bad));
  assert.equal(rnan.info.nonFinite, true);
  assert.equal(rnan.info.clip?.clipped, false);
});

test("masked transforms only the selected leaves (by a boolean tree or a path test) and keeps no state for the others", () => {
  const byTree = O.masked(O.scale(10), { w: true, b: false });
  const byPath = O.masked(O.scale(10), (path: string) => path === "w");
  for (const m of [byTree, byPath]) {
    const r = m.update(grads(), m.init(params()), params());
    treeClose(r.updates.w, grads().w.mul(10));
    treeClose(r.updates.b, grads().b);
  }
  const madam = O.masked(O.adam({ lr: 0.1 }), (_p: string, leaf: gn.Tensor) => leaf.ndim > 1);
  const s = madam.init(params());
  assert.ok(s.inner.mu.w instanceof gn.Tensor);
  assert.equal(s.inner.mu.b, null);
  const r = madam.update(grads(), s, params());
  const plain = O.adam({ lr: 0.1 });
  treeClose(r.updates.w, plain.update({ w: grads().w }, plain.init({ w: params().w }), { w: params().w }).updates.w);
  treeClose(r.updates.b, grads().b);
  // Weight decay on matrices only, in a chain.
  const opt = O.chain({ decay: O.masked(O.addDecayedWeights(0.5), { w: true, b: false }) });
  const rd = opt.update(grads(), opt.init(params()), params());
  treeClose(rd.updates.w, grads().w.add(params().w.mul(0.5)));
  treeClose(rd.updates.b, grads().b);
  assert.throws(() => O.masked(O.scale(1), { w: true }).init(params()), /mask has nothing at "b"/);
});

test("accumulateGradients averages k gradients, then takes one inner step", () => {
  const acc = O.accumulateGradients(O.adam({ lr: 0.1 }), 3);
  let s = acc.init(params());
  const gs = [0, 1, 2].map((k) => gn.treeMap((g: gn.Tensor) => g.mul(k + 1), grads()));
  const infos: gn.optim.StepInfo[] = [];
  let last: any;
  for (const g of gs) {
    const r = acc.update(g, s, params());
    infos.push(r.info);
    last = r.updates;
    s = r.state;
    if (infos.length < 3) assert.equal(O.globalNorm(r.updates), 0);
  }
  assert.deepEqual(infos.map((i) => !!i.accumulating), [true, true, false]);
  const mean = gn.treeMap((g: gn.Tensor) => g.mul(2), grads());
  const ad = O.adam({ lr: 0.1 });
  treeClose(last, ad.update(mean, ad.init(params()), params()).updates);
  assert.equal(s.inner.count, 1, "Adam's step count advances only on real steps");
  assert.equal(s.miniStep, 0);
  assert.throws(() => O.accumulateGradients(O.sgd(), 0), /every must be an integer >= 1/);
});

test("a NaN gradient is skipped by skipIfNotFinite: zero update, inner state untouched, reported", () => {
  const opt = O.skipIfNotFinite(O.adam({ lr: 0.1 }));
  let s = opt.init(params());
  s = opt.update(grads(), s, params()).state;
  const bad = { w: grads().w, b: gn.tensor([NaN, 1], f64) };
  const r = opt.update(bad, s, params());
  assert.equal(O.globalNorm(r.updates), 0);
  assert.equal(r.info.skipped, true);
  assert.equal(r.info.nonFinite, true);
  assert.equal(r.state.inner, s.inner);
  assert.equal(r.state.notFiniteCount, 1);
  assert.ok(O.treeAllFinite(r.state.inner.mu));
  const inf = opt.update(grads(), s, params(), { loss: Infinity });
  assert.equal(inf.info.skipped, true, "a non-finite loss is skipped too");
  const ok = opt.update(grads(), r.state, params());
  assert.equal(ok.info.skipped, undefined);
  assert.equal(ok.state.consecutive, 0);
  // Without the wrapper, applyUpdates({ checkFinite }) refuses a NaN update.
  const plain = O.sgd({ lr: 0.1 });
  const rp = plain.update(bad, plain.init(params()), params());
  assert.throws(() => O.applyUpdates(params(), rp.updates, { checkFinite: true }), gn.NonFiniteError);
});

test("reduceOnPlateau multiplies the step by factor after more than `patience` steps without improvement", () => {
  const t = O.reduceOnPlateau({ factor: 0.5, patience: 2, cooldown: 1 });
  let s = t.init(params());
  const losses = [5, 4, 4, 4, 4, 4, 4, 4, 3];
  const scales: number[] = [];
  for (const loss of losses) {
    const r = t.update(grads(), s, params(), { loss });
    scales.push(r.state.scale);
    close(arr(r.updates.b), arr(grads().b).map((g) => g * r.state.scale));
    s = r.state;
  }
  // Improvements at 5, 4; bad steps 1, 2, 3 (> patience) -> halve at index 4; cooldown 1 skips index 5; 6, 7, 8? index 8 improves.
  assert.deepEqual(scales, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5]);
  assert.throws(() => t.update(grads(), s, params()), /needs the loss/);
});

test("Lion's step is -lr (sign(b1 m + (1 - b1) g) + wd p)", () => {
  const opt = O.lion({ lr: 0.1, b1: 0.8, b2: 0.9, weightDecay: 0.5 });
  let s = opt.init(params());
  s = opt.update(grads(), s, params()).state; // m = 0.1 g
  const g2 = gn.treeMap((g: gn.Tensor) => g.mul(-0.05).add(0.01), grads());
  const r = opt.update(g2, s, params());
  const m = arr(grads().w).map((g) => 0.1 * g);
  const g = arr(g2.w);
  const p = arr(params().w);
  close(arr(r.updates.w), m.map((mi, i) => -0.1 * (Math.sign(0.8 * mi + 0.2 * g[i]) + 0.5 * p[i])));
  close(arr(r.state.mu.w), m.map((mi, i) => 0.9 * mi + 0.1 * g[i]));
});

test("errors name the transform, the argument and what to do", () => {
  assert.throws(() => O.chain({ a: O.sgd(), b: {} as never }), /member "b" is not a gradient transformation/);
  assert.throws(() => O.adamw({ lr: 0.1 }).update(grads(), O.adamw().init(params())), /adamw: update needs the current params/);
  assert.throws(() => O.sgd({ nesterov: true }), /nesterov needs momentum > 0/);
  assert.throws(() => O.adam({ b1: 1 }), /adam: b1 must be in \[0, 1\), got 1/);
  assert.throws(() => O.sgd({ lr: -1 }), /sgd: lr must be a number >= 0/);
  const chained = O.chain({ adam: O.adam() });
  assert.throws(() => chained.update(grads(), { other: {} } as never, params()), /the state has no member "adam"/);
  assert.throws(() => O.adam().update({ w: grads().w }, O.adam().init(params()), params()), /state mismatch/);
});
