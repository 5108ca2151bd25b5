import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const f64 = { dtype: "float64" as const };

function assertClose(got: number, want: number, tol: number, what = ""): void {
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} (tol ${tol})`);
}

function assertAllClose(got: gn.Tensor, want: number[] | Float64Array, tol = 1e-12): void {
  const g = got.toTypedArray();
  assert.equal(g.length, want.length, "length");
  for (let i = 0; i < g.length; i++) assertClose(g[i], want[i], tol, `element ${i}`);
}

function sampleVariance(t: gn.Tensor): { mean: number; variance: number } {
  const v = t.toTypedArray();
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  return { mean: m, variance: s / v.length };
}

test("initialisers: variance matches the formula, bounds and determinism", () => {
  const key = gn.random.key(7);
  const shape = [200, 300];
  // Sampling error of a variance estimate is about sqrt(2/n) relative for normals (0.6% here); allow 5%.
  const cases: [string, gn.Tensor, number][] = [
    ["glorotUniform", gn.nn.glorotUniform(key, shape), 2 / 500],
    ["glorotNormal", gn.nn.glorotNormal(key, shape), 2 / 500],
    ["heUniform", gn.nn.heUniform(key, shape), 2 / 200],
    ["heNormal", gn.nn.heNormal(key, shape), 2 / 200],
    ["lecunNormal", gn.nn.lecunNormal(key, shape), 1 / 200],
    ["glorotNormal gain 2", gn.nn.glorotNormal(key, shape, { gain: 2 }), (4 * 2) / 500],
    ["heNormal conv fans", gn.nn.heNormal(key, [64, 16, 3, 3]), 2 / (16 * 9)],
  ];
  for (const [name, w, want] of cases) {
    const { mean, variance } = sampleVariance(w);
    assert.ok(Math.abs(variance / want - 1) < 0.05, `${name}: variance ${variance}, formula ${want}`);
    assert.ok(Math.abs(mean) < 4 * Math.sqrt(want / w.size), `${name}: mean ${mean} too far from 0`);
  }
  const bound = Math.sqrt(6 / 500);
  const u = gn.nn.glorotUniform(key, shape).toTypedArray();
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of u) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  assert.ok(lo >= -bound && hi < bound, `glorotUniform outside [-${bound}, ${bound}): [${lo}, ${hi}]`);
  assert.ok(hi > 0.99 * bound && lo < -0.99 * bound, "glorotUniform should fill its interval");
  assert.deepEqual(gn.nn.heNormal(key, [5, 5]).toArray(), gn.nn.heNormal(key, [5, 5]).toArray());
  assert.notDeepEqual(gn.nn.heNormal(key, [5, 5]).toArray(), gn.nn.heNormal(gn.random.key(8), [5, 5]).toArray());
  assert.equal(gn.nn.glorotUniform(key, [3, 4], { dtype: "float64" }).dtype, "float64");
  assert.deepEqual(gn.nn.computeFans([30, 64]), { fanIn: 30, fanOut: 64 });
  assert.deepEqual(gn.nn.computeFans([8, 3, 5, 5]), { fanIn: 75, fanOut: 200 });
  assert.deepEqual(gn.nn.zerosInit(key, [2]).toArray(), [0, 0]);
  assert.throws(() => gn.nn.getInitializer("kaiming"), /unknown initialiser "kaiming"; use one of glorotUniform/);
});

test("linear: y = x w + b, shapes, no bias, leading axes, errors", () => {
  const layer = gn.nn.linear(3, 2, { dtype: "float64" });
  const { params, state } = layer.init(gn.random.key(0), [3]);
  const p = params as { w: gn.Tensor; b: gn.Tensor };
  assert.deepEqual(p.w.shape, [3, 2]);
  assert.deepEqual(p.b.toArray(), [0, 0]);
  assert.deepEqual(state, {});
  const b = gn.tensor([0.5, -1], f64);
  const x = gn.tensor([[1, 2, 3], [-1, 0, 2]], f64);
  const { y } = layer.apply({ w: p.w, b }, x);
  const w = p.w.toArray() as number[][];
  const xs = x.toArray() as number[][];
  const want: number[] = [];
  for (const row of xs) for (let j = 0; j < 2; j++) want.push(row.reduce((s, v, k) => s + v * w[k][j], 0) + [0.5, -1][j]);
  assertAllClose(y, want);
  assert.deepEqual(layer.outputShape([3]), [2]);
  assert.deepEqual(layer.outputShape([7, 3]), [7, 2]);
  // Leading axes fold into the batch: same values as applying row by row.
  const x3 = gn.reshape(gn.concat([x, x, x]), [3, 2, 3]);
  const y3 = layer.apply({ w: p.w, b }, x3).y;
  assert.deepEqual(y3.shape, [3, 2, 2]);
  assertAllClose(y3, [...want, ...want, ...want]);
  const nb = gn.nn.linear(3, 2, { bias: false });
  assert.deepEqual(Object.keys(nb.init(gn.random.key(0)).params as object), ["w"]);
  assert.throws(() => layer.apply({ w: p.w, b }, gn.ones([4, 5])), (e: Error) => e instanceof gn.ShapeError && /Linear\(3 -> 2\): input has shape \[4, 5\]/.test(e.message));
  assert.throws(() => layer.init(gn.random.key(0), [4]), gn.ShapeError);
  assert.throws(() => layer.apply({ w: p.w }, x), /no tensor "b"/);
  assert.throws(() => gn.nn.linear(0, 2), /in must be a positive integer/);
});

test("linear and a small MLP pass checkGrads w.r.t. params and inputs", () => {
  const layer = gn.nn.linear(3, 2, { dtype: "float64" });
  const { params } = layer.init(gn.random.key(1));
  const x = gn.random.normal(gn.random.key(2), [4, 3], f64);
  const n = gn.checkGrads((p: gn.Tree, xx: gn.Tensor) => layer.apply(p, xx).y, [{ ...(params as object), b: gn.tensor([0.1, -0.2], f64) }, x]);
  assert.ok(n >= 6);
  const mlp = gn.nn.sequential([gn.nn.linear(3, 4, { dtype: "float64" }), gn.nn.tanh(), gn.nn.linear(4, 2, { dtype: "float64" }), gn.nn.gelu()]);
  const init = mlp.init(gn.random.key(3), [3]);
  gn.checkGrads((p: gn.Tree, xx: gn.Tensor) => mlp.apply(p, xx).y.sum(), [init.params, x]);
});

test("activation layers equal their ops and keep the shape", () => {
  const x = gn.tensor([[-2, -0.5, 0.3, 1.7]], f64);
  const cases: [gn.nn.Layer, gn.Tensor][] = [
    [gn.nn.relu(), gn.relu(x)],
    [gn.nn.leakyRelu(0.2), gn.leakyRelu(x, 0.2)],
    [gn.nn.elu(0.5), gn.elu(x, 0.5)],
    [gn.nn.gelu(), gn.gelu(x)],
    [gn.nn.gelu({ approximate: true }), gn.gelu(x, true)],
    [gn.nn.tanh(), gn.tanh(x)],
    [gn.nn.sigmoid(), gn.sigmoid(x)],
    [gn.nn.softplus(), gn.softplus(x)],
    [gn.nn.silu(), gn.mul(x, gn.sigmoid(x))],
    [gn.nn.softmax(), gn.softmax(x)],
    [gn.nn.logSoftmax(), gn.logSoftmax(x)],
    [gn.nn.identity(), x],
    [gn.nn.activation("leakyRelu", { alpha: 0.3 }), gn.leakyRelu(x, 0.3)],
  ];
  for (const [layer, want] of cases) {
    const { y, state } = layer.apply({}, x);
    assert.deepEqual(y.toArray(), want.toArray(), layer.name);
    assert.deepEqual(state, {});
    assert.deepEqual(layer.outputShape([4]), [4]);
    assert.deepEqual(gn.nn.fromSpec(JSON.parse(JSON.stringify(layer.spec))).apply({}, x).y.toArray(), want.toArray(), `${layer.name} from spec`);
  }
  assert.throws(() => gn.nn.activation("swish" as never), /unknown activation "swish"/);
});

test("sequential: shape inference, param tree, per-layer keys, errors naming the layer", () => {
  const model = gn.nn.sequential([gn.nn.linear(4, 8), gn.nn.relu(), gn.nn.linear(8, 3)]);
  assert.deepEqual(model.outputShape([4]), [3]);
  const { params, state } = model.init(gn.random.key(0), [4]);
  assert.deepEqual(Object.keys(params as object), ["0", "1", "2"]);
  assert.deepEqual(gn.treeLeavesWithPath(params).map(([p, t]) => [p, t.shape]), [["0.w", [4, 8]], ["0.b", [8]], ["2.w", [8, 3]], ["2.b", [3]]]);
  assert.deepEqual(state, { 0: {}, 1: {}, 2: {} });
  const x = gn.random.normal(gn.random.key(1), [5, 4]);
  const { y } = model.apply(params, x, { state });
  const p = params as Record<string, { w: gn.Tensor; b: gn.Tensor }>;
  const manual = gn.relu(x.matmul(p[0].w).add(p[0].b)).matmul(p[2].w).add(p[2].b);
  assertAllClose(y, manual.toTypedArray() as unknown as number[], 1e-6);
  // Layers get different keys: their initial weights differ.
  const twin = gn.nn.sequential([gn.nn.linear(4, 4), gn.nn.linear(4, 4)]).init(gn.random.key(0)).params as Record<string, { w: gn.Tensor }>;
  assert.notDeepEqual(twin[0].w.toArray(), twin[1].w.toArray());
  assert.throws(
    () => gn.nn.sequential([gn.nn.linear(4, 8), gn.nn.relu(), gn.nn.linear(7, 3)]).init(gn.random.key(0), [4]),
    (e: Error) => e instanceof gn.ShapeError && /Sequential layer 2 \(Linear\(7 -> 3\)\)/.test(e.message) && /\[8\] must end in 7/.test(e.message),
  );
  assert.throws(() => model.apply(params, gn.ones([5, 6])), /Sequential layer 0/);
  assert.throws(() => gn.nn.sequential([gn.nn.relu(), {} as gn.nn.Layer]), /element 1 is not a layer/);
  const empty = gn.nn.sequential([]);
  assert.deepEqual(empty.apply(empty.init(gn.random.key(0)).params, x).y.toArray(), x.toArray());
});

test("spec: JSON round trip rebuilds the same model; bad specs give located errors", () => {
  const model = gn.nn.sequential([
    gn.nn.linear(4, 8, { init: "heNormal" }),
    gn.nn.leakyRelu(0.1),
    gn.nn.sequential([gn.nn.linear(8, 8, { bias: false }), gn.nn.tanh()]),
    gn.nn.linear(8, 2, { dtype: "float64" }),
    gn.nn.logSoftmax(),
  ]);
  const json = JSON.stringify(model.spec);
  const again = gn.nn.fromSpec(JSON.parse(json));
  assert.equal(JSON.stringify(again.spec), json);
  const a = model.init(gn.random.key(3), [4]);
  const b = again.init(gn.random.key(3), [4]);
  assert.deepEqual(gn.treeLeaves(a.params).map((t) => t.toArray()), gn.treeLeaves(b.params).map((t) => t.toArray()));
  const x = gn.random.normal(gn.random.key(4), [3, 4]);
  assert.deepEqual(model.apply(a.params, x).y.toArray(), again.apply(a.params, x).y.toArray());
  assert.deepEqual(gn.nn.fromSpec({ type: "linear", in: 2, out: 3 }).spec, { type: "linear", in: 2, out: 3, bias: true, init: "glorotUniform", biasInit: "zeros", dtype: "float32" });
  assert.throws(() => gn.nn.fromSpec({ type: "dense", units: 3 }), /spec.type is "dense"; known types: linear/);
  assert.throws(() => gn.nn.fromSpec({ type: "sequential", layers: [{ type: "linear", in: 2, out: 3, units: 4 }] }), /spec.layers\[0\] \(type "linear"\) has an unknown field "units"/);
  assert.throws(() => gn.nn.fromSpec({ type: "sequential", layers: [{ type: "relu" }, { type: "linear", in: 2 }] }), /spec.layers\[1\]: nn.linear: out must be a positive integer, got undefined/);
  assert.throws(() => gn.nn.fromSpec({ type: "linear", in: 2, out: 3, init: "nope" }), /unknown initialiser "nope"/);
  assert.throws(() => gn.nn.fromSpec([1]), /spec must be an object/);
});

test("summary and countParams", () => {
  const model = gn.nn.sequential([gn.nn.linear(30, 64), gn.nn.relu(), gn.nn.sequential([gn.nn.linear(64, 10), gn.nn.tanh()]), gn.nn.linear(10, 2)]);
  const { params } = model.init(gn.random.key(0), [30]);
  const total = 30 * 64 + 64 + 64 * 10 + 10 + 10 * 2 + 2;
  assert.equal(gn.nn.countParams(params), total);
  const rows = gn.nn.summaryRows(model, [30]);
  assert.deepEqual(rows.map((r) => [r.path, r.depth, r.outputShape, r.params]), [
    ["0", 0, [64], 1984],
    ["1", 0, [64], 0],
    ["2", 0, [10], 650],
    ["2.0", 1, [10], 650],
    ["2.1", 1, [10], 0],
    ["3", 0, [2], 22],
  ]);
  const text = gn.nn.summary(model, [30]);
  const lines = text.split("\n");
  assert.match(lines[0], /^Sequential\(4 layers\), input \[N, 30\]$/);
  assert.ok(lines.some((l) => /^0\s+Linear\(30 -> 64\)\s+\[N, 64\]\s+1,984$/.test(l)), text);
  assert.ok(lines.some((l) => /^2\.0\s+ {2}Linear\(64 -> 10\)\s+\[N, 10\]\s+650$/.test(l)), text);
  assert.equal(lines[lines.length - 1], `Total params: ${total.toLocaleString("en-US")}`);
});
