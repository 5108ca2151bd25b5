/** gn.train: determinism, resumption, early stopping, checkpoints, evaluation, L-BFGS against scikit-learn. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as gn from "../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const iris = gn.data.prepare(gn.data.loadDataset("iris"), { seed: 0, validation: 0.2, test: 0.2 });
const mlp = () => gn.nn.sequential([gn.nn.linear(4, 8), gn.nn.relu(), gn.nn.linear(8, 3)]);
const adam = { name: "adam" as const, options: { lr: 1e-2 } };

/** Every tensor of a tree as bytes, in tree order, with its path: equal means bit-identical. */
function bytesOf(tree: unknown): [string, string][] {
  return gn.treeLeavesWithPath(tree).map(([p, t]) => [p, Buffer.from(new Uint8Array(t.toTypedArray().buffer.slice(0))).toString("hex")]);
}

test("fit: the same seed gives bit-identical parameters; another seed does not", async () => {
  const a = await gn.train.fit(mlp(), iris.train, { epochs: 3, batchSize: 16, seed: 7, optimizer: adam });
  const b = await gn.train.fit(mlp(), iris.train, { epochs: 3, batchSize: 16, seed: 7, optimizer: adam });
  const c = await gn.train.fit(mlp(), iris.train, { epochs: 3, batchSize: 16, seed: 8, optimizer: adam });
  assert.deepEqual(bytesOf(a.params), bytesOf(b.params));
  assert.notDeepEqual(bytesOf(a.params), bytesOf(c.params));
  assert.equal(a.history.length, 3);
  assert.equal(a.trace.steps.length, 3 * Math.ceil(iris.train.x.shape[0] / 16));
  assert.ok(a.trace.steps.every((s) => Number.isFinite(s.loss) && s.gradNorm > 0 && s.lr === 1e-2));
});

test("fit learns: iris MLP reaches high validation accuracy and its loss falls", async () => {
  const r = await gn.train.fit(mlp(), iris.train, { epochs: 40, batchSize: 16, seed: 0, optimizer: adam, validation: iris.validation });
  const first = r.history[0];
  const last = r.history.at(-1)!;
  assert.ok(last.train.loss < first.train.loss / 3, `train loss ${first.train.loss} -> ${last.train.loss}`);
  assert.ok(last.validation!.accuracy! >= 0.85, `validation accuracy ${last.validation!.accuracy}`);
  const test = gn.train.evaluate(mlp(), r.params, iris.test);
  assert.ok(test.accuracy! >= 0.85, `test accuracy ${test.accuracy}`);
});

test("resume: 2 epochs, then 2 more from the checkpoint files, equals 4 epochs bit for bit", async () => {
  const model = mlp();
  const opts = { batchSize: 16, seed: 3, optimizer: adam, validation: iris.validation };
  const four = await gn.train.fit(model, iris.train, { ...opts, epochs: 4 });
  const two = await gn.train.fit(model, iris.train, { ...opts, epochs: 2 });
  const files = gn.train.encodeCheckpoint({ model, params: two.params, state: two.modelState, inputShape: [4], task: "classification", loss: two.lossName, training: two.training });
  const ckpt = gn.train.decodeCheckpoint(files);
  const more = await gn.train.fit(ckpt.model, iris.train, { epochs: 2, validation: iris.validation, resume: ckpt.training! });
  assert.deepEqual(bytesOf(more.params), bytesOf(four.params));
  assert.deepEqual(bytesOf(more.optState), bytesOf(four.optState));
  assert.equal(more.training.epoch, 4);
  assert.equal(more.training.step, four.training.step);
  assert.deepEqual(more.history.map((h) => h.validation), four.history.map((h) => h.validation));
});

test("resume after cancelling in the middle of an epoch continues exactly", async () => {
  const model = mlp();
  const opts = { batchSize: 10, seed: 5, optimizer: adam };
  const full = await gn.train.fit(model, iris.train, { ...opts, epochs: 2 });
  const controller = new AbortController();
  const stopAt: gn.train.Callback = { onStep: (_s, ctx) => void (ctx.step === 13 && controller.abort()) };
  const cut = await gn.train.fit(model, iris.train, { ...opts, epochs: 2, signal: controller.signal, callbacks: [stopAt] });
  assert.equal(cut.status, "cancelled");
  assert.equal(cut.training.step, 13);
  assert.ok(cut.training.batch > 0 && cut.training.epoch === 1, `stopped at epoch ${cut.training.epoch} batch ${cut.training.batch}`);
  const rest = await gn.train.fit(model, iris.train, { epochs: 1, resume: cut.training });
  assert.deepEqual(bytesOf(rest.params), bytesOf(full.params));
});

test("early stopping stops after `patience` epochs without improvement and restores the best epoch's parameters", async () => {
  const model = mlp();
  let atFirst: unknown = null;
  const remember: gn.train.Callback = { onEpochEnd: (log, ctx) => void (log.epoch === 1 && (atFirst = ctx.params)) };
  // The training loss falls every epoch, so with mode "max" only the first epoch is ever the best.
  const r = await gn.train.fit(model, iris.train, { epochs: 20, batchSize: 16, seed: 0, optimizer: adam, callbacks: [remember], earlyStopping: { monitor: "train.loss", mode: "max", patience: 2 } });
  assert.equal(r.status, "earlyStopping");
  assert.equal(r.history.length, 3);
  assert.deepEqual(bytesOf(r.params), bytesOf(atFirst));
  assert.notDeepEqual(bytesOf(r.training.params), bytesOf(atFirst), "the training state keeps the last parameters, to resume from");
  const es = r.training.callbacks.earlyStopping as gn.train.EarlyStoppingState;
  assert.equal(es.bestEpoch, 1);
  assert.equal(es.wait, 2);
});

test("early stopping on validation loss: restores the epoch with the lowest validation loss", async () => {
  const model = mlp();
  const r = await gn.train.fit(model, iris.train, { epochs: 12, batchSize: 8, seed: 1, optimizer: { name: "adam", options: { lr: 0.2 } }, validation: iris.validation, earlyStopping: { patience: 2 } });
  const losses = r.history.map((h) => h.validation!.loss);
  const best = losses.indexOf(Math.min(...losses));
  const got = gn.train.evaluate(model, r.params, iris.validation).loss;
  assert.equal(got, losses[best]);
  if (r.status === "earlyStopping") assert.equal(r.history.length, best + 1 + 2);
});

test("checkpoints: parameters, spec, preprocessing and optimizer state survive the round trip; predictions match", async () => {
  const model = mlp();
  const r = await gn.train.fit(model, iris.train, { epochs: 2, batchSize: 16, seed: 0, optimizer: adam });
  const before = gn.train.evaluate(model, r.params, iris.test);
  const files = gn.train.encodeCheckpoint({
    model,
    params: r.params,
    state: r.modelState,
    inputShape: [4],
    task: "classification",
    loss: r.lossName,
    preprocessor: iris.preprocessor.toJSON(),
    training: r.training,
    metrics: { history: r.history, final: { test: before } },
  });
  assert.deepEqual(Object.keys(files).sort(), ["model.json", "model.safetensors", "optimizer.json", "optimizer.safetensors"]);
  // Weights are plain safetensors named by tree path, readable by any safetensors reader.
  assert.deepEqual(Object.keys(gn.io.loadSafetensors(files["model.safetensors"]).tensors), ["0.w", "0.b", "2.w", "2.b"]);
  const c = gn.train.decodeCheckpoint(files);
  assert.deepEqual(c.model.spec, model.spec);
  assert.deepEqual(bytesOf(c.params), bytesOf(r.params));
  assert.deepEqual(bytesOf(c.training!.optState), bytesOf(r.optState));
  assert.equal((c.training!.optState as { count: number }).count, r.training.step);
  const prep = gn.data.Preprocessor.fromJSON(c.preprocessor);
  const again = gn.train.evaluate(c.model, c.params, prep.transform(iris.dataset, iris.split.test));
  assert.deepEqual(again, before);
  assert.deepEqual(c.metrics!.final!.test, before);
});

test("checkpoints refuse files that do not fit the architecture, naming the tensor", () => {
  const model = mlp();
  const { params, state } = model.init(gn.random.key(0), [4]);
  const files = gn.train.encodeCheckpoint({ model, params, state, inputShape: [4], task: "classification", loss: "softmaxCrossEntropy" });
  const json = JSON.parse(new TextDecoder().decode(files["model.json"]));
  json.model.layers[2].out = 4;
  assert.throws(() => gn.train.decodeCheckpoint({ ...files, "model.json": new TextEncoder().encode(JSON.stringify(json)) }), /tensor "2\.w" has shape \[8, 3\] but the architecture gives \[8, 4\]/);
  assert.throws(() => gn.train.decodeCheckpoint({ "model.json": files["model.json"] }, "runs/x"), /runs\/x has no model\.safetensors/);
  json.version = 99;
  assert.throws(() => gn.train.decodeCheckpoint({ ...files, "model.json": new TextEncoder().encode(JSON.stringify(json)) }), /version 99/);
});

test("encodeTree/decodeTree keep numbers JSON lacks, nested arrays of trees and nulls", () => {
  const tree = { count: 3, best: NaN, worst: -Infinity, s: [{ w: gn.tensor([1, 2]) }, { w: gn.tensor([3, 4]) }], prev: null, hyper: { lr: { schedule: "constant", value: 0.1 } } };
  const { json, tensors } = gn.train.encodeTree(tree, "state.");
  assert.deepEqual(Object.keys(tensors), ["state.s[0].w", "state.s[1].w"]);
  const text = JSON.stringify(json);
  const back = gn.train.decodeTree(JSON.parse(text), tensors) as typeof tree;
  assert.ok(Number.isNaN(back.best));
  assert.equal(back.worst, -Infinity);
  assert.deepEqual(back.s[1].w.toArray(), [3, 4]);
  assert.deepEqual(back.hyper, tree.hyper);
  assert.equal(back.prev, null);
  assert.throws(() => gn.train.encodeTree({ f: () => 1 }), /cannot save the value at "f" \(a function\)/);
});

test("sample weights: doubling every weight changes nothing; a zero weight removes a sample's gradient", () => {
  const model = mlp();
  const { params } = model.init(gn.random.key(0), [4]);
  const x = iris.train.x.slice([0], [6]);
  const y = iris.train.y.slice([0], [6]);
  const loss = gn.train.resolveLoss("softmaxCrossEntropy");
  const grads = (w?: gn.Tensor, xx = x, yy = y) =>
    bytesOf(gn.grad((p: gn.Tree) => loss(model.apply(p, xx).y, yy, { weights: w }))(params));
  assert.deepEqual(grads(gn.full([6], 2)), grads(gn.ones([6])));
  const w = gn.tensor([1, 1, 1, 1, 1, 0]);
  const g0 = gn.treeLeaves(gn.grad((p: gn.Tree) => loss(model.apply(p, x).y, y, { weights: w }))(params));
  const g5 = gn.treeLeaves(gn.grad((p: gn.Tree) => loss(model.apply(p, x.slice([0], [5])).y, y.slice([0], [5]), {}))(params));
  g0.forEach((g, i) => g.toTypedArray().forEach((v, j) => assert.ok(Math.abs(v - g5[i].toTypedArray()[j]) < 1e-6)));
});

test("fit accepts a loss function, sample weights and a penalty; cancellation returns what was reached", async () => {
  const model = mlp();
  const custom: gn.train.LossFn = (out, y, o) => gn.losses.softmaxCrossEntropy(out, y, { weights: o.weights, labelSmoothing: 0.1 });
  const weights = gn.ones([iris.train.x.shape[0]]);
  const r = await gn.train.fit(model, { ...iris.train, weights }, { epochs: 1, loss: custom, penalty: gn.train.l2Penalty(1e-3), seed: 0 });
  assert.equal(r.lossName, "custom");
  assert.ok(Number.isFinite(r.history[0].train.loss));
  const controller = new AbortController();
  controller.abort();
  const c = await gn.train.fit(model, iris.train, { epochs: 5, signal: controller.signal });
  assert.equal(c.status, "cancelled");
  assert.equal(c.training.step, 0);
  assert.equal(c.history.length, 0);
});

test("regression: mse by default, RMSE/MAE/R^2 reported, and R^2 improves", async () => {
  const ds = gn.data.prepare(gn.data.loadDataset("diabetes"), { seed: 0, standardizeTarget: true });
  const model = gn.nn.sequential([gn.nn.linear(ds.train.x.shape[1], 1)]);
  const r = await gn.train.fit(model, ds.train, { epochs: 15, batchSize: 32, seed: 0, optimizer: { name: "adam", options: { lr: 0.05 } }, validation: ds.validation });
  assert.equal(r.lossName, "mse");
  const v = r.history.at(-1)!.validation!;
  assert.ok(v.r2! > 0.3 && v.r2! < 1, `validation R^2 ${v.r2}`);
  assert.ok(Math.abs(v.rmse! - Math.sqrt(v.loss)) < 1e-5, "rmse is the square root of the mse loss");
  assert.ok(r.history.at(-1)!.train.r2! > r.history[0].train.r2!);
});

test("fit errors name the problem", async () => {
  await assert.rejects(gn.train.fit(mlp(), { x: gn.zeros([5, 4]), y: gn.zeros([4], { dtype: "int32" }) }), /data\.x has shape \[5, 4\] and data\.y has shape \[4\]/);
  await assert.rejects(gn.train.fit(mlp(), iris.train, { loss: "crossEntropy" as never }), /unknown loss "crossEntropy"; the built-in losses are softmaxCrossEntropy, bceWithLogits/);
  await assert.rejects(gn.train.fit(mlp(), iris.train, { optimizer: "adamax" as never }), /unknown optimizer "adamax"; known: sgd, adam/);
  await assert.rejects(gn.train.fit(mlp(), iris.train, { epochs: 1, earlyStopping: { monitor: "validation.loss" } }), /no validation metrics to monitor/);
});

test("progress events arrive in order and format as lines and bars", async () => {
  const events: gn.train.ProgressEvent[] = [];
  await gn.train.fit(mlp(), iris.train, { epochs: 2, batchSize: 50, onProgress: (e) => events.push(e), validation: iris.validation });
  assert.deepEqual(events.map((e) => e.kind), ["begin", "batch", "batch", "epoch", "batch", "batch", "epoch", "end"]);
  const ep = events[3] as Extract<gn.train.ProgressEvent, { kind: "epoch" }>;
  assert.match(gn.train.formatEpochLog(ep.log, 2), /^epoch 1\/2  loss \d\.\d{4}  accuracy \d\.\d{4}  val_loss \d\.\d{4}  val_accuracy \d\.\d{4}  \d+\.\ds  \d+ samples\/s$/);
  const bar = gn.train.formatProgressBar({ kind: "batch", epoch: 1, epochs: 2, batch: 1, batches: 2, loss: 0.5, seconds: 0.4 }, 10);
  assert.equal(bar, "epoch 1/2 [=====>    ] 1/2  loss 0.5000  0.4s");
});

test("L2-regularised logistic regression by L-BFGS (through fit) reaches scikit-learn's optimum loss to 1e-6 relative", async () => {
  // Reference: scripts/sklearn_logreg.py (Debian python3-sklearn), committed in test/fixtures.
  const ref = JSON.parse(readFileSync(join(root, "test", "fixtures", "sklearn_logreg.json"), "utf8"));
  const data = gn.data.prepare(gn.data.loadDataset("breast-cancer-wisconsin"), { validation: 0, test: 0, dtype: "float64" });
  assert.deepEqual(data.preprocessor.featureNames, ref.features);
  assert.equal(data.train.x.shape[0], ref.n);
  const model = gn.nn.sequential([gn.nn.linear(30, 1, { dtype: "float64" })]);
  const penalty = gn.train.l2Penalty(ref.lambda);
  const r = await gn.train.fit(model, data.train, { optimizer: "lbfgs", batchSize: ref.n, epochs: 60, shuffle: false, penalty, seed: 0 });
  const logits = model.apply(r.params, data.train.x).y.reshape([-1]);
  const objective = gn.losses.bceWithLogits(logits, data.train.y.astype("float64")).add(penalty(r.params)).item();
  const rel = Math.abs(objective - ref.objective) / ref.objective;
  assert.ok(rel < 1e-6, `gradnav ${objective} vs reference ${ref.objective}: relative ${rel}`);
  assert.ok(r.trace.steps.some((s) => s.lineSearch !== null), "L-BFGS steps carry their line searches in the trace");
});

test("saveEveryEpoch writes a resumable checkpoint per epoch (gradnav/node)", async () => {
  const { saveEveryEpoch, loadCheckpoint } = await import("../src/node/index.js");
  const { mkdtempSync, existsSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "gradnav-epochs-"));
  const model = mlp();
  const base = { model, inputShape: [4], task: "classification" as const, loss: "softmaxCrossEntropy", preprocessor: iris.preprocessor.toJSON() };
  const r = await gn.train.fit(model, iris.train, { epochs: 2, batchSize: 16, seed: 2, optimizer: adam, callbacks: [saveEveryEpoch(dir, base)] });
  assert.ok(existsSync(join(dir, "epoch-0001", "model.safetensors")) && existsSync(join(dir, "epoch-0002", "optimizer.json")));
  const second = loadCheckpoint(join(dir, "epoch-0002"));
  assert.deepEqual(bytesOf(second.params), bytesOf(r.params));
  const first = loadCheckpoint(join(dir, "epoch-0001"));
  assert.equal(first.training!.epoch, 1);
  const resumed = await gn.train.fit(first.model, iris.train, { epochs: 1, resume: first.training! });
  assert.deepEqual(bytesOf(resumed.params), bytesOf(r.params));
});

test("examples/mnist-cnn.json (the documented MNIST model) builds and maps 784 pixels to 10 logits", () => {
  const spec = JSON.parse(readFileSync(join(root, "examples", "mnist-cnn.json"), "utf8"));
  const model = gn.nn.fromSpec(spec);
  assert.deepEqual(model.outputShape([784]), [10]);
  assert.equal(gn.nn.countParams(model.init(gn.random.key(0), [784]).params), 206922);
});
