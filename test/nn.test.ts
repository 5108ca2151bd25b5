import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const f64 = { dtype: "float64" as const };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

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

test("batchNorm: training uses batch statistics and updates the running ones (PyTorch's formula); eval uses the running ones", () => {
  const bn = gn.nn.batchNorm(2, { momentum: 0.3, eps: 1e-3, dtype: "float64" });
  const { params, state } = bn.init(gn.random.key(0), [2]);
  assert.deepEqual((state as { mean: gn.Tensor }).mean.toArray(), [0, 0]);
  assert.deepEqual((state as { var: gn.Tensor }).var.toArray(), [1, 1]);
  const rows = [[1, 10], [2, 20], [4, 30], [5, 60]];
  const x = gn.tensor(rows, f64);
  const gamma = gn.tensor([2, 0.5], f64);
  const beta = gn.tensor([-1, 3], f64);
  const p = { gamma, beta };
  const out = bn.apply(p, x, { state, training: true });
  for (let c = 0; c < 2; c++) {
    const col = rows.map((r) => r[c]);
    const m = mean(col);
    const v = mean(col.map((u) => (u - m) ** 2));
    const got = (out.y.toArray() as number[][]).map((r) => r[c]);
    col.forEach((u, i) => assertClose(got[i], [2, 0.5][c] * (u - m) / Math.sqrt(v + 1e-3) + [-1, 3][c], 1e-12, `y[${i}][${c}]`));
    const s = out.state as { mean: gn.Tensor; var: gn.Tensor };
    assertClose(s.mean.toTypedArray()[c], 0.7 * 0 + 0.3 * m, 1e-12, "running mean");
    assertClose(s.var.toTypedArray()[c], 0.7 * 1 + 0.3 * v * (4 / 3), 1e-12, "running var (unbiased)");
  }
  // Eval: normalise with the running statistics; the state is returned unchanged.
  const ev = bn.apply(p, x, { state: out.state });
  assert.equal(ev.state, out.state);
  const s = out.state as { mean: gn.Tensor; var: gn.Tensor };
  const rm = s.mean.toTypedArray();
  const rv = s.var.toTypedArray();
  (ev.y.toArray() as number[][]).forEach((r, i) => r.forEach((v, c) => assertClose(v, [2, 0.5][c] * (rows[i][c] - rm[c]) / Math.sqrt(rv[c] + 1e-3) + [-1, 3][c], 1e-12)));
  // Images: statistics per channel over N, H, W.
  const bn2 = gn.nn.batchNorm(3, { affine: false });
  const imgs = gn.random.normal(gn.random.key(1), [4, 3, 5, 5], f64).mul(3).add(2);
  const y2 = bn2.apply({}, imgs, { state: bn2.init(gn.random.key(0)).state, training: true }).y;
  const mch = gn.mean(y2, [0, 2, 3]).toTypedArray();
  const vch = gn.variance(y2, [0, 2, 3]).toTypedArray();
  for (let c = 0; c < 3; c++) {
    assertClose(mch[c], 0, 1e-12, "channel mean");
    assert.ok(Math.abs(vch[c] - 1) < 1e-3, `channel variance ${vch[c]}`);
  }
  assert.throws(() => bn.apply(p, x), /the state has no "mean"; pass \{ state \}/);
  assert.throws(() => bn.apply(p, gn.ones([1, 2], f64), { state, training: true }), /more than one value per feature/);
  assert.throws(() => bn.apply(p, gn.ones([4, 3], f64), { state }), /BatchNorm\(2\): input has shape \[4, 3\]/);
});

test("batchNorm, layerNorm, embedding, residual and conv2d pass checkGrads w.r.t. params and inputs", () => {
  const key = gn.random.key(21);
  const ks = gn.random.split(key, 8);
  // BatchNorm in training (batch statistics are differentiated) and in eval.
  const bn = gn.nn.batchNorm(3, { dtype: "float64" });
  const bnState = bn.init(ks[0]).state;
  const bnParams = { gamma: gn.tensor([1.5, 0.5, -1], f64), beta: gn.tensor([0.1, 0, 0.3], f64) };
  const xb = gn.random.normal(ks[1], [5, 3], f64);
  gn.checkGrads((p: gn.Tree, x: gn.Tensor) => bn.apply(p, x, { state: bnState, training: true }).y, [bnParams, xb]);
  gn.checkGrads((p: gn.Tree, x: gn.Tensor) => bn.apply(p, x, { state: bnState }).y, [bnParams, xb], { order: 1 });
  const ln = gn.nn.layerNorm(4, { dtype: "float64" });
  const lnParams = { gamma: gn.random.normal(ks[2], [4], f64), beta: gn.random.normal(ks[3], [4], f64) };
  gn.checkGrads((p: gn.Tree, x: gn.Tensor) => ln.apply(p, x).y, [lnParams, gn.random.normal(ks[4], [3, 4], f64)]);
  const emb = gn.nn.embedding(5, 3, { dtype: "float64" });
  const ids = gn.tensor([[0, 4], [4, 2]], { dtype: "int32" });
  gn.checkGrads((p: gn.Tree) => emb.apply(p, ids).y, [emb.init(ks[5]).params]);
  const res = gn.nn.residual(gn.nn.sequential([gn.nn.linear(3, 3, { dtype: "float64" }), gn.nn.tanh()]), gn.nn.linear(3, 3, { bias: false, dtype: "float64" }));
  gn.checkGrads((p: gn.Tree, x: gn.Tensor) => res.apply(p, x).y, [res.init(ks[6]).params, xb]);
  const conv = gn.nn.conv2d(2, 3, [3, 2], { padding: "same", stride: [1, 2], dtype: "float64" });
  const convParams = { ...(conv.init(ks[7]).params as object), b: gn.tensor([0.1, -0.2, 0.3], f64) };
  gn.checkGrads((p: gn.Tree, x: gn.Tensor) => conv.apply(p, x).y, [convParams, gn.random.normal(ks[0], [2, 2, 4, 5], f64)], { order: 1 });
});

test("layerNorm normalises each sample over the last axes", () => {
  const ln = gn.nn.layerNorm([2, 3], { affine: false });
  const x = gn.random.normal(gn.random.key(3), [4, 2, 3], f64).mul(5).add(1);
  const y = ln.apply(ln.init(gn.random.key(0)).params, x).y;
  const m = gn.mean(y, [1, 2]).toTypedArray();
  const v = gn.variance(y, [1, 2]).toTypedArray();
  for (let i = 0; i < 4; i++) {
    assertClose(m[i], 0, 1e-12, "mean");
    assert.ok(Math.abs(v[i] - 1) < 1e-3, `variance ${v[i]}`);
  }
  assert.throws(() => ln.apply({}, gn.ones([4, 3, 2])), /LayerNorm\(\[2, 3\]\): input has shape \[4, 3, 2\]/);
  assert.deepEqual(Object.keys(gn.nn.layerNorm(3).init(gn.random.key(0)).params as object), ["gamma", "beta"]);
});

test("dropout: identity in eval, inverted scaling in training, the same mask for the same key", () => {
  const drop = gn.nn.dropout(0.25);
  const x = gn.ones([200, 50], f64);
  assert.equal(drop.apply({}, x).y, x);
  const key = gn.random.key(9);
  const y = drop.apply({}, x, { training: true, key }).y;
  const v = y.toTypedArray();
  let zeros = 0;
  for (const u of v) {
    if (u === 0) zeros++;
    else assertClose(u, 1 / 0.75, 1e-15, "kept values are scaled by 1 / (1 - rate)");
  }
  // 10,000 draws: the dropped fraction is within 5 standard deviations of 0.25.
  assert.ok(Math.abs(zeros / v.length - 0.25) < 5 * Math.sqrt((0.25 * 0.75) / v.length), `dropped ${zeros / v.length}`);
  assert.deepEqual(drop.apply({}, x, { training: true, key }).y.toArray(), y.toArray());
  assert.notDeepEqual(drop.apply({}, x, { training: true, key: gn.random.key(10) }).y.toArray(), y.toArray());
  // The mask is the documented bernoulli draw.
  const keep = gn.random.bernoulli(key, 0.75, [200, 50]).toTypedArray();
  v.forEach((u, i) => assert.equal(u !== 0, keep[i] === 1));
  assert.throws(() => drop.apply({}, x, { training: true }), /training needs a PRNG key/);
  assert.deepEqual(gn.nn.dropout(1).apply({}, gn.ones([2]), { training: true, key }).y.toArray(), [0, 0]);
  const g = gn.grad((t: gn.Tensor) => gn.nn.dropout(1).apply({}, t, { training: true, key }).y.sum())(gn.ones([2]));
  assert.deepEqual(g.toArray(), [0, 0]);
  // Inside a sequential, two dropout layers draw different masks from one key.
  const seq = gn.nn.sequential([gn.nn.dropout(0.5), gn.nn.identity(), gn.nn.dropout(0.5)]);
  const a = gn.nn.dropout(0.5).apply({}, x, { training: true, key: gn.random.foldIn(key, 0) }).y;
  const b = gn.nn.dropout(0.5).apply({}, a, { training: true, key: gn.random.foldIn(key, 2) }).y;
  assert.deepEqual(seq.apply({}, x, { training: true, key }).y.toArray(), b.toArray());
  assert.throws(() => gn.nn.dropout(1.5), /rate must be a number in \[0, 1\]/);
});

test("embedding looks up rows; flatten and reshape keep the batch axis", () => {
  const emb = gn.nn.embedding(4, 3);
  const { params } = emb.init(gn.random.key(0));
  const table = (params as { table: gn.Tensor }).table.toArray() as number[][];
  const y = emb.apply(params, gn.tensor([[3, 0], [1, 1]], { dtype: "int32" })).y;
  assert.deepEqual(y.shape, [2, 2, 3]);
  assert.deepEqual(y.toArray(), [[table[3], table[0]], [table[1], table[1]]]);
  assert.deepEqual(emb.apply(params, gn.tensor([2])).y.toArray(), [table[2]], "float ids are cast");
  assert.deepEqual(emb.outputShape([7]), [7, 3]);
  assert.throws(() => emb.apply(params, gn.tensor([4], { dtype: "int32" })), /id 4 at flat position 0 is outside \[0, 4\)/);
  const x = gn.arange(24).reshape([2, 3, 4]);
  assert.deepEqual(gn.nn.flatten().apply({}, x).y.shape, [2, 12]);
  assert.deepEqual(gn.nn.flatten().outputShape([3, 4]), [12]);
  const r = gn.nn.reshape([2, -1]);
  assert.deepEqual(r.apply({}, x).y.shape, [2, 2, 6]);
  assert.deepEqual(r.outputShape([12]), [2, 6]);
  assert.throws(() => r.outputShape([5]), /cannot be reshaped to \[2, -1\]/);
});

test("residual: y = block(x) + shortcut(x), shape checks, nested params", () => {
  const block = gn.nn.sequential([gn.nn.linear(3, 3), gn.nn.relu()]);
  const res = gn.nn.residual(block);
  const { params, state } = res.init(gn.random.key(0), [3]);
  assert.deepEqual(Object.keys(params as object), ["block"]);
  const x = gn.random.normal(gn.random.key(1), [4, 3]);
  const want = block.apply((params as { block: gn.Tree }).block, x).y.add(x);
  assert.deepEqual(res.apply(params, x, { state }).y.toArray(), want.toArray());
  assert.throws(() => gn.nn.residual(gn.nn.linear(3, 4)).outputShape([3]), /block gives \[4\] but the shortcut gives \[3\].*projection/);
  const proj = gn.nn.residual(gn.nn.linear(3, 4), gn.nn.linear(3, 4, { bias: false }));
  assert.deepEqual(proj.outputShape([3]), [4]);
  assert.deepEqual(gn.treeLeavesWithPath(proj.init(gn.random.key(0)).params).map(([p]) => p), ["block.w", "block.b", "shortcut.w"]);
});

test("conv and pooling layers: outputShape agrees with apply for many geometries", () => {
  const x = gn.random.normal(gn.random.key(2), [2, 3, 9, 8]);
  const layers: gn.nn.Layer[] = [
    gn.nn.conv2d(3, 4, 3),
    gn.nn.conv2d(3, 4, 3, { padding: 1 }),
    gn.nn.conv2d(3, 4, [3, 2], { padding: "same", stride: 2 }),
    gn.nn.conv2d(3, 6, 3, { padding: [[1, 0], [2, 1]], dilation: 2, groups: 3, bias: false }),
    gn.nn.conv2d(3, 2, 1, { stride: [2, 3] }),
    gn.nn.maxPool2d(2),
    gn.nn.maxPool2d(3, { stride: 2, padding: 1 }),
    gn.nn.maxPool2d([2, 3], { dilation: 2 }),
    gn.nn.avgPool2d(2),
    gn.nn.avgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }),
    gn.nn.globalAvgPool2d(),
  ];
  for (const layer of layers) {
    const { params } = layer.init(gn.random.key(0), [3, 9, 8]);
    const y = layer.apply(params, x).y;
    assert.deepEqual(y.shape.slice(1), layer.outputShape([3, 9, 8]), layer.name);
    const again = gn.nn.fromSpec(JSON.parse(JSON.stringify(layer.spec)));
    assert.deepEqual(again.apply(params, x).y.toArray(), y.toArray(), `${layer.name} from spec`);
  }
  const conv = gn.nn.conv2d(3, 4, 3, { padding: 1 });
  const { params } = conv.init(gn.random.key(0));
  const p = params as { w: gn.Tensor; b: gn.Tensor };
  assert.deepEqual(p.w.shape, [4, 3, 3, 3]);
  assert.deepEqual(conv.apply(params, x).y.toArray(), gn.conv2d(x, p.w, { padding: 1, bias: p.b }).toArray());
  assert.deepEqual(gn.nn.maxPool2d(2).apply({}, x).y.toArray(), gn.maxPool2d(x, { kernelSize: 2 }).toArray());
  assert.throws(() => conv.apply(params, gn.ones([2, 2, 9, 8])), /Conv2d\(3 -> 4, 3x3, padding 1\): input has shape \[2, 2, 9, 8\]; expected images \[N, 3, H, W\]/);
  assert.throws(() => conv.outputShape([27]), /must be \[3, H, W\]/);
  assert.throws(() => gn.nn.conv2d(3, 4, 5).outputShape([3, 4, 4]), /window does not fit/);
  assert.throws(() => gn.nn.conv2d(3, 4, 3, { groups: 2 }), /groups 2 must divide both in \(3\) and out \(4\)/);
});

test("every layer type round-trips through JSON, and the builder table covers them all", () => {
  const model = gn.nn.sequential([
    gn.nn.reshape([1, 8, 8]),
    gn.nn.conv2d(1, 4, 3, { padding: "same", init: "heNormal" }),
    gn.nn.batchNorm(4, { momentum: 0.2 }),
    gn.nn.relu(),
    gn.nn.maxPool2d(2),
    gn.nn.avgPool2d(2, { countIncludePad: false }),
    gn.nn.residual(gn.nn.sequential([gn.nn.conv2d(4, 4, 1), gn.nn.elu(0.5)])),
    gn.nn.flatten(),
    gn.nn.layerNorm(16),
    gn.nn.dropout(0.1),
    gn.nn.linear(16, 3),
  ]);
  const json = JSON.stringify(model.spec);
  const again = gn.nn.fromSpec(JSON.parse(json));
  assert.equal(JSON.stringify(again.spec), json);
  const { params, state } = model.init(gn.random.key(1), [64]);
  const x = gn.random.normal(gn.random.key(2), [5, 64]);
  const ctx = { state, training: true, key: gn.random.key(3) };
  const a = model.apply(params, x, ctx);
  const b = again.apply(params, x, ctx);
  assert.deepEqual(a.y.toArray(), b.y.toArray());
  assert.deepEqual(gn.treeLeaves(a.state).map((t) => t.toArray()), gn.treeLeaves(b.state).map((t) => t.toArray()));
  const emb = gn.nn.embedding(10, 4, { init: "glorotNormal" });
  assert.deepEqual(gn.nn.fromSpec(JSON.parse(JSON.stringify(emb.spec))).spec, emb.spec);
  assert.deepEqual(gn.nn.fromSpec({ type: "globalAvgPool2d" }).spec, { type: "globalAvgPool2d" });
  assert.throws(() => gn.nn.fromSpec({ type: "residual", block: { type: "linear", in: 2 } }), /spec.block: nn.linear: out must be a positive integer/);
  assert.throws(() => gn.nn.fromSpec({ type: "conv2d", in: 1, out: 2, kernelSize: 3, padding: "full" }), /padding must be "same", "valid"/);
});

test("zoo: logreg, mlp and cnn from their descriptions, with documented parameter counts", () => {
  const lr = gn.nn.parseModel("logreg", { inputShape: [30], outputs: 2 });
  assert.equal(gn.nn.countParams(lr.init(gn.random.key(0), [30]).params), 62);
  const m = gn.nn.parseModel("mlp:64,32", { inputShape: [30], outputs: 2 });
  assert.deepEqual((m.spec as gn.nn.SequentialSpec).layers.map((l) => l.type), ["linear", "relu", "linear", "relu", "linear"]);
  assert.equal(gn.nn.countParams(m.init(gn.random.key(0), [30]).params), 30 * 64 + 64 + 64 * 32 + 32 + 32 * 2 + 2);
  const md = gn.nn.parseModel("mlp:16:tanh:0.2", { inputShape: [4, 4], outputs: 1 });
  assert.deepEqual((md.spec as gn.nn.SequentialSpec).layers.map((l) => l.type), ["flatten", "linear", "tanh", "dropout", "linear"]);
  assert.deepEqual(md.outputShape([4, 4]), [1]);
  assert.equal((gn.nn.parseModel("mlp", { inputShape: [5], outputs: 3 }).spec as gn.nn.SequentialSpec).layers[0].type, "linear");
  const mnist = gn.nn.parseModel("cnn", { inputShape: [1, 28, 28], outputs: 10 });
  assert.deepEqual(mnist.outputShape([1, 28, 28]), [10]);
  assert.equal(gn.nn.countParams(mnist.init(gn.random.key(0), [1, 28, 28]).params), 52138);
  const digits = gn.nn.parseModel("cnn", { inputShape: [64], outputs: 10 });
  assert.deepEqual(digits.outputShape([64]), [10]);
  const dp = digits.init(gn.random.key(0), [64]);
  assert.equal(gn.nn.countParams(dp.params), 3658);
  assert.deepEqual(digits.apply(dp.params, gn.zeros([3, 64]), { state: dp.state }).y.shape, [3, 10]);
  assert.throws(() => gn.nn.parseModel("resnet", { inputShape: [4], outputs: 2 }), /unknown model "resnet"; use logreg, mlp/);
  assert.throws(() => gn.nn.parseModel("mlp:64,x", { inputShape: [4], outputs: 2 }), /hidden sizes must be positive integers/);
  assert.throws(() => gn.nn.parseModel("mlp:8:swish", { inputShape: [4], outputs: 2 }), /unknown activation "swish"/);
  assert.throws(() => gn.nn.parseModel("cnn", { inputShape: [30], outputs: 2 }), /not an image/);
  assert.throws(() => gn.nn.parseModel("logreg", { inputShape: [30], outputs: 0 }), /outputs must be a positive integer/);
});

test("summary shows composites, state counts and a CNN's shapes", () => {
  const model = gn.nn.sequential([gn.nn.conv2d(1, 2, 3, { padding: 1 }), gn.nn.batchNorm(2), gn.nn.residual(gn.nn.conv2d(2, 2, 1)), gn.nn.flatten(), gn.nn.linear(32, 2)]);
  const text = gn.nn.summary(model, [1, 4, 4]);
  const lines = text.split("\n");
  assert.ok(lines.some((l) => /^1\s+BatchNorm\(2\)\s+\[N, 2, 4, 4\]\s+4$/.test(l)), text);
  assert.ok(lines.some((l) => /^2\.block\s+ {2}Conv2d\(2 -> 2, 1x1\)\s+\[N, 2, 4, 4\]\s+6$/.test(l)), text);
  assert.ok(lines.some((l) => /^3\s+Flatten\s+\[N, 32\]\s+0$/.test(l)), text);
  assert.match(text, /Total params: 96\n/);
  assert.match(text, /State \(not trained, e\.g\. running statistics\): 4$/);
});

test("end to end: gradient descent through BatchNorm and Dropout state and keys learns two blobs", () => {
  const n = 80;
  const [kx, kinit] = gn.random.split(gn.random.key(42));
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const centers = gn.tensor(labels.map((c) => (c ? [1, 1] : [-1, -1])));
  const x = gn.random.normal(kx, [n, 2], { std: 0.7 }).add(centers);
  const y = gn.tensor(labels, { dtype: "int32" });
  const model = gn.nn.sequential([gn.nn.linear(2, 16, { init: "heUniform" }), gn.nn.batchNorm(16), gn.nn.relu(), gn.nn.dropout(0.1), gn.nn.linear(16, 2)]);
  let { params, state } = model.init(kinit, [2]);
  const step = gn.valueAndGrad(
    (p: gn.Tree, s: gn.Tree, key: gn.random.Key) => {
      const out = model.apply(p, x, { state: s, training: true, key });
      return [gn.losses.softmaxCrossEntropy(out.y, y), out.state];
    },
    { hasAux: true },
  );
  const evalLoss = () => gn.losses.softmaxCrossEntropy(model.apply(params, x, { state }).y, y).item();
  const before = evalLoss();
  for (let t = 0; t < 30; t++) {
    const [[, newState], grads] = step(params, state, gn.random.foldIn(kinit, t));
    params = gn.treeMap((p, g) => p.sub(g.mul(0.3)), params, grads);
    state = newState;
  }
  const after = evalLoss();
  assert.ok(after < 0.5 * before, `eval loss ${before} -> ${after}`);
  const running = (state as Record<string, { mean: gn.Tensor }>)[1].mean;
  assert.ok(gn.abs(running).max().item() > 0, "BatchNorm's running mean moved away from its initial zeros");
  const acc = gn.metrics.accuracy(y, model.apply(params, x, { state }).y);
  assert.ok(acc >= 0.85, `accuracy ${acc}`);
});
