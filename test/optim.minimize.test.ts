/** minimize: stop rules, cancellation, NaN handling, and the trace it records (fields, JSON, CSV, table). */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const O = gn.optim;
const f64 = { dtype: "float64" } as const;
const bowl = (x: gn.Tensor) => x.sub(gn.tensor([1, -2], f64)).square().sum();
const x0 = () => gn.tensor([3, 3], f64);

test("stops after `steps`, at the gradient-norm tolerance, or when the loss stops changing", () => {
  const a = O.minimizeSync(bowl, x0(), { optimizer: O.sgd({ lr: 0.01 }), steps: 7 });
  assert.equal(a.status, "maxSteps");
  assert.equal(a.steps, 7);
  assert.equal(a.trace.steps.length, 7);
  const b = O.minimizeSync(bowl, x0(), { optimizer: O.sgd({ lr: 0.1 }), steps: 1000, tolerance: 1e-6 });
  assert.equal(b.status, "gradNorm");
  assert.ok(b.gradNorm <= 1e-6);
  assert.ok(b.trace.steps[b.steps - 1].gradNorm > 1e-6, "it stopped at the first step below the tolerance");
  const c = O.minimizeSync(bowl, x0(), { optimizer: O.sgd({ lr: 0.1 }), steps: 1000, tolerance: { lossChange: 1e-3 } });
  assert.equal(c.status, "lossChange");
  const last = c.trace.steps[c.steps - 1].loss;
  assert.ok(Math.abs(last - c.loss) <= 1e-3 * Math.max(Math.abs(last), Math.abs(c.loss), 1));
  assert.ok(c.steps < b.steps);
});

test("the trace records loss, norms, learning rate, cosine and evaluations per step", () => {
  const r = O.minimizeSync(bowl, x0(), { optimizer: O.sgd({ lr: 0.1 }), steps: 5, paramsEvery: 2 });
  r.trace.steps.forEach((s, k) => {
    assert.equal(s.step, k);
    assert.ok(Math.abs(s.updateNorm - 0.1 * s.gradNorm) < 1e-12, "an SGD step is lr times the gradient");
    assert.ok(Math.abs(s.cosine! - 1) < 1e-12, "and points along -grad");
    assert.equal(s.lr, 0.1);
    assert.equal(s.evals, k === 0 ? 2 : 1);
    assert.equal(s.params !== undefined, k % 2 === 0);
  });
  assert.deepEqual(r.trace.steps[0].params, [3, 3]);
  assert.ok(r.trace.steps[1].loss < r.trace.steps[0].loss);
  assert.equal(r.trace.optimizer, "sgd");
  assert.deepEqual(r.trace.leaves, [{ path: "", shape: [2] }]);
  assert.deepEqual(r.trace.final!.params, Array.from((r.params as gn.Tensor).toTypedArray()));
  assert.equal(r.trace.final!.evals, r.evals);
  // Momentum makes the cosine drop below 1 once the velocity and the gradient disagree.
  const m = O.minimizeSync((x: gn.Tensor) => x.mul(gn.tensor([1, 30], f64)).mul(x).sum(), x0(), { optimizer: O.sgd({ lr: 0.03, momentum: 0.9 }), steps: 20 });
  assert.ok(m.trace.steps.some((s) => s.cosine! < 0.9));
  // Clip events show in the trace.
  const cl = O.minimizeSync(bowl, x0(), { optimizer: O.chain({ clip: O.clipByGlobalNorm(1), sgd: O.sgd({ lr: 0.5 }) }), steps: 20 });
  assert.equal(cl.trace.steps[0].clip?.clipped, true);
  assert.ok(cl.trace.steps.some((s) => s.clip?.clipped === false));
});

test("the trace exports to JSON (NaN kept) and CSV, and prints as a table", () => {
  const r = O.minimizeSync(bowl, x0(), { optimizer: O.lbfgs(), steps: 3, paramsEvery: 1 });
  const back = O.traceFromJSON(O.traceToJSON(r.trace));
  assert.deepEqual(back, JSON.parse(JSON.stringify(r.trace)));
  const withNaN = { ...r.trace, steps: [{ ...r.trace.steps[0], loss: NaN, cosine: -Infinity }] };
  const nb = O.traceFromJSON(O.traceToJSON(withNaN));
  assert.ok(Number.isNaN(nb.steps[0].loss));
  assert.equal(nb.steps[0].cosine, -Infinity);
  assert.throws(() => O.traceFromJSON("{}"), /not a gradnav optimizer trace/);
  const csv = O.traceToCSV(r.trace).trim().split("\n");
  assert.equal(csv.length, r.steps + 1);
  const header = csv[0].split(",");
  assert.deepEqual(header.slice(0, 4), ["step", "loss", "gradNorm", "updateNorm"]);
  assert.deepEqual(header.slice(-2), ["p0", "p1"]);
  const row = csv[1].split(",");
  assert.equal(Number(row[header.indexOf("loss")]), r.trace.steps[0].loss);
  assert.equal(row[header.indexOf("lineSearchStatus")], r.trace.steps[0].lineSearch!.status);
  assert.equal(Number(row[header.indexOf("p0")]), 3);
  const trials = O.lineSearchTrialsToCSV(r.trace).trim().split("\n");
  assert.equal(trials.length, 1 + r.trace.steps.reduce((n, s) => n + s.lineSearch!.trials.length, 0));
  const table = O.traceTable(r.trace);
  assert.match(table, /step\s+loss\s+\|grad\|/);
  assert.match(table, /line search: wolfe/);
  assert.match(table, /final: .* status/);
});

test("a TraceRecorder records a hand-written loop the same way", () => {
  const opt = O.adam({ lr: 0.1 });
  let p = x0();
  let s = opt.init(p);
  const rec = new O.TraceRecorder({ optimizer: opt.name });
  const vg = gn.valueAndGrad(bowl);
  for (let k = 0; k < 3; k++) {
    const [loss, g] = vg(p);
    const { updates, state, info } = opt.update(g, s, p);
    rec.record({ loss, grads: g, updates, info, params: p });
    p = O.applyUpdates(p, updates);
    s = state;
  }
  const viaMinimize = O.minimizeSync(bowl, x0(), { optimizer: O.adam({ lr: 0.1 }), steps: 3 });
  assert.deepEqual(rec.trace.steps.map((x) => [x.loss, x.gradNorm, x.updateNorm, x.lr]), viaMinimize.trace.steps.map((x) => [x.loss, x.gradNorm, x.updateNorm, x.lr]));
});

test("minimize never applies a NaN update: it stops and reports, or skips with skipIfNotFinite", () => {
  // NaN gradient from the start (sqrt at 0).
  const bad = (x: gn.Tensor) => x.sqrt().sum();
  const start = gn.tensor([0, 1], f64);
  const r = O.minimizeSync(bad, start, { optimizer: O.adam({ lr: 0.1 }), steps: 10 });
  assert.equal(r.status, "nonFinite");
  assert.deepEqual(Array.from((r.params as gn.Tensor).toTypedArray()), [0, 1]);
  assert.equal(r.trace.steps.length, 1);
  assert.equal(r.trace.steps[0].nonFinite, true);
  // A loss that is NaN on every third evaluation: skipped, reported, and the run still converges.
  let calls = 0;
  const flaky = (x: gn.Tensor) => {
    calls++;
    const l = bowl(x);
    return calls % 3 === 0 ? l.mul(NaN) : l;
  };
  const s = O.minimizeSync(flaky, x0(), { optimizer: O.skipIfNotFinite(O.adam({ lr: 0.1 })), steps: 300 });
  assert.ok(s.trace.steps.some((t) => t.skipped && t.nonFinite));
  assert.ok(s.trace.steps.filter((t) => t.skipped).every((t) => t.updateNorm === 0));
  assert.ok(O.treeAllFinite(s.params));
  assert.ok(bowl(s.params as gn.Tensor).item() < 1e-3);
  // Always NaN: stops after maxConsecutiveSkips.
  const always = O.minimizeSync(bad, start, { optimizer: O.skipIfNotFinite(O.sgd()), steps: 100, maxConsecutiveSkips: 4 });
  assert.equal(always.status, "nonFinite");
  assert.equal(always.steps, 4);
});

test("minimize can be cancelled with an AbortSignal, or stopped from onStep", async () => {
  const controller = new AbortController();
  const slow = (x: gn.Tensor) => bowl(x);
  setTimeout(() => controller.abort(), 30);
  const r = await O.minimize(slow, x0(), { optimizer: O.sgd({ lr: 1e-6 }), steps: 1e7, signal: controller.signal, yieldEveryMs: 5 });
  assert.equal(r.status, "cancelled");
  assert.ok(r.steps > 0 && r.steps < 1e7);
  const s = O.minimizeSync(bowl, x0(), { optimizer: O.sgd({ lr: 0.01 }), steps: 100, onStep: (st) => st.step < 4 });
  assert.equal(s.status, "stopped");
  assert.equal(s.steps, 5);
  const pre = new AbortController();
  pre.abort();
  assert.equal(O.minimizeSync(bowl, x0(), { optimizer: O.sgd(), signal: pre.signal }).status, "cancelled");
});

test("minimize resumes from a saved state exactly, and works on trees", () => {
  const f = ({ a, b }: { a: gn.Tensor; b: gn.Tensor }) => a.sub(1).square().sum().add(b.add(2).square().sum().mul(3));
  const p0 = { a: gn.tensor([0, 0], f64), b: gn.tensor([[1]], f64) };
  const full = O.minimizeSync(f, p0, { optimizer: O.adam({ lr: 0.05 }), steps: 20 });
  const half = O.minimizeSync(f, p0, { optimizer: O.adam({ lr: 0.05 }), steps: 10 });
  const rest = O.minimizeSync(f, half.params, { optimizer: O.adam({ lr: 0.05 }), steps: 10, state: half.state });
  assert.deepEqual(Array.from(rest.params.a.toTypedArray()), Array.from(full.params.a.toTypedArray()));
  assert.deepEqual(Array.from(rest.params.b.toTypedArray()), Array.from(full.params.b.toTypedArray()));
  assert.deepEqual(full.trace.leaves, [{ path: "a", shape: [2] }, { path: "b", shape: [1, 1] }]);
  assert.throws(() => O.minimizeSync(f, p0, {} as never), /give an optimizer/);
  assert.throws(() => O.minimizeSync(f, p0, { optimizer: O.sgd(), steps: -1 }), /steps must be an integer >= 0/);
});

test("the trace's norms and inner product in one pass equal globalNorm and treeVdot, and leave the trees intact", async () => {
  const { treeNormsAndVdot } = await import("../src/optim/treemath.js");
  for (const backend of ["reference", "wasm"]) {
    gn.setBackend(backend);
    try {
      const k = gn.random.split(gn.random.key(9), 8);
      // A matrix, a vector, a scalar, a leaf already [1, n] (its view is itself), an empty leaf, a float64 leaf.
      const a = { w: gn.random.normal(k[0], [30, 7]), b: gn.random.normal(k[1], [7]), s: gn.tensor(2), r: gn.random.normal(k[2], [1, 5]), e: gn.zeros([0]), d: gn.random.normal(k[3], [4], { dtype: "float64" }) };
      const b = { w: gn.random.normal(k[4], [30, 7]), b: gn.random.normal(k[5], [7]), s: gn.tensor(-3), r: gn.random.normal(k[6], [1, 5]), e: gn.zeros([0]), d: gn.random.normal(k[7], [4], { dtype: "float64" }) };
      const r = treeNormsAndVdot(a, b);
      const close = (x: number, y: number) => assert.ok(Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(y)), `${x} vs ${y} on ${backend}`);
      close(r.aNorm, O.globalNorm(a));
      close(r.bNorm, O.globalNorm(b));
      close(r.vdot, O.treeVdot(a, b));
      for (const t of [...gn.treeLeaves(a), ...gn.treeLeaves(b)]) t.toTypedArray(); // nothing of the caller's was freed
      const nan = treeNormsAndVdot({ w: gn.tensor([1, NaN]) }, { w: gn.tensor([1, 2]) });
      assert.ok(Number.isNaN(nan.aNorm) && nan.bNorm === Math.sqrt(5) && Number.isNaN(nan.vdot));
    } finally {
      gn.setBackend("reference");
    }
  }
});
