/**
 * Who frees what in a training loop (src/optim/dispose.ts): fit and chain free the tensors they make
 * and drop, never one the caller or a callback may still hold. Run on the wasm backend, whose heap
 * the garbage collector cannot empty inside a synchronous loop: there a loop that drops tensors
 * without disposing them goes over the heap budget and spills.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const info = () => gn.memoryInfo() as unknown as { spills: number; tensorBytes: number; bytesInUse: number };

async function onWasm<T>(f: () => Promise<T> | T): Promise<T> {
  gn.setBackend("wasm");
  try {
    return await f();
  } finally {
    gn.setBackend("reference");
  }
}

/** 256 rows of 64 features and 10 classes, made on the current backend. */
function data(): { x: gn.Tensor; y: gn.Tensor } {
  const [kx, ky] = gn.random.split(gn.random.key(5), 2);
  return { x: gn.random.normal(kx, [256, 64]), y: gn.random.randint(ky, [256], 0, 10) };
}

const model = () => gn.nn.sequential([gn.nn.linear(64, 128), gn.nn.relu(), gn.nn.linear(128, 10)]);

test("fit frees each step's old parameters, optimizer state, gradients and batch: no spill, a flat heap", async () => {
  await onWasm(async () => {
    // Each step drops about 170 KB (params, moments, grads, updates, batch, output): a fit that did not
    // free them would pass this budget within an epoch of 8 steps and spill.
    const old = gn.setWasmHeapBudget(1024 * 1024);
    try {
      const d = data();
      const spills0 = info().spills;
      const inUse: number[] = [];
      const probe: gn.train.Callback = { onEpochEnd: () => void inUse.push(info().bytesInUse) };
      const r = await gn.train.fit(model(), d, { epochs: 6, batchSize: 32, yieldEveryMs: Infinity, callbacks: [probe] });
      assert.equal(info().spills, spills0, "no spill during 48 steps");
      // Exactly flat: not even the loss's [N, 1] view of the integer labels (128 B a step here, which
      // would keep each batch's labels for the collector) is left behind.
      const settled = inUse.slice(1);
      assert.ok(settled.every((v) => v === settled[0]), `bytesInUse per epoch end: ${inUse.join(", ")}`);
      assert.ok(r.history[5].train.loss < r.history[0].train.loss, "it trained");
      d.x.toTypedArray(); // the caller's data is intact
    } finally {
      gn.setWasmHeapBudget(old);
    }
  });
});

test("fit never frees the caller's initial parameters, nor parameters a callback kept", async () => {
  await onWasm(async () => {
    const d = data();
    const m = model();
    const init = m.init(gn.random.key(1), [64]);
    const initValues = gn.treeLeaves(init.params).map((t) => Array.from(t.toTypedArray()));
    const kept: unknown[] = [];
    const keeper: gn.train.Callback = { onStep: (_s, ctx) => void kept.push(ctx.params) };
    const r = await gn.train.fit(m, d, { epochs: 2, batchSize: 64, init, callbacks: [keeper], earlyStopping: { patience: 5, restoreBest: true }, validation: d });
    gn.treeLeaves(init.params).forEach((t, i) => assert.deepEqual(Array.from(t.toTypedArray()), initValues[i], `initial leaf ${i} is intact`));
    assert.equal(kept.length, 8);
    for (const p of kept) for (const t of gn.treeLeaves(p)) assert.ok(t.toTypedArray().length > 0, "a kept tensor is still readable");
    for (const t of [...gn.treeLeaves(r.params), ...gn.treeLeaves(r.training.optState)]) t.toTypedArray();
  });
});

test("disposeDropped frees dropped tensors, except shared ones and held ones, each once", async () => {
  await onWasm(() => {
    const [a, b, c, d] = [0, 1, 2, 3].map((i) => gn.full([100], i));
    const held = new WeakSet<gn.Tensor>([d]);
    const n = gn.optim.disposeDropped([{ a, b }, [b, c, d]], [{ keep: c }], held);
    assert.equal(n, 2, "a and b, b once");
    assert.throws(() => a.toTypedArray(), /disposed/);
    assert.throws(() => b.toTypedArray(), /disposed/);
    assert.equal(c.toTypedArray()[0], 2);
    assert.equal(d.toTypedArray()[0], 3);
  });
});

test("chain frees the updates passed between its members, not the caller's gradients or state", async () => {
  await onWasm(() => {
    const params = { w: gn.random.normal(gn.random.key(2), [64, 64]) };
    const opt = gn.optim.chain({ clip: gn.optim.clipByGlobalNorm(1e-3), adam: gn.optim.adam() });
    let state = opt.init(params);
    const bytes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const grads = { w: params.w.mul(i + 1) };
      const r = opt.update(grads, state, params);
      assert.ok(r.info.clip?.clipped, "clip made new updates");
      grads.w.toTypedArray(); // the caller's gradients are intact
      gn.treeLeaves(state).forEach((t) => t.toTypedArray()); // and so is the state passed in
      gn.optim.disposeDropped([state, grads, r.updates], [r.state]);
      state = r.state;
      bytes.push(info().tensorBytes);
    }
    // Only clip's output would be left behind each step (16 KB), but nothing is.
    assert.equal(bytes[11], bytes[2], `tensorBytes over the steps: ${bytes.join(", ")}`);
  });
});

test("max pooling leaves no window indices behind, under valueAndGrad or eagerly", async () => {
  await onWasm(() => {
    const x = gn.random.normal(gn.random.key(3), [4, 8, 16, 16]);
    const loss = (z: gn.Tensor) => gn.maxPool2d(z, { kernelSize: 2 }).sum();
    const run = () => {
      const [v, g] = gn.valueAndGrad(loss)(x) as [gn.Tensor, gn.Tensor];
      v.dispose();
      g.dispose();
      gn.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }).dispose();
    };
    run();
    const before = info().tensorBytes;
    for (let i = 0; i < 5; i++) run();
    // Each call made 8 KB of int32 window indices (and a padded copy, eagerly): none is left.
    assert.equal(info().tensorBytes, before);
    x.toTypedArray();
  });
});

test("unbatched [C, H, W] convolution and pooling leave nothing behind, under valueAndGrad or eagerly", async () => {
  await onWasm(() => {
    const x = gn.random.normal(gn.random.key(4), [3, 12, 12]);
    const w = gn.random.normal(gn.random.key(6), [4, 3, 3, 3]);
    const b = gn.random.normal(gn.random.key(7), [4]);
    const xi = gn.random.randint(gn.random.key(8), [3, 12, 12], 0, 5);
    // x is a constant inside the transform (w is differentiated), as a batch of data is.
    const loss = (wt: gn.Tensor) => {
      const h = gn.conv2d(x, wt, { bias: b, padding: 1 });
      return gn.maxPool2d(h, { kernelSize: 2 }).sum().add(gn.avgPool2d(h, { kernelSize: 3, padding: 1, countIncludePad: false }).sum());
    };
    const run = () => {
      const [v, g] = gn.valueAndGrad(loss)(w) as [gn.Tensor, gn.Tensor];
      v.dispose();
      g.dispose();
      for (const input of [x, xi]) {
        gn.conv2d(input, w, { bias: b }).dispose();
        gn.maxPool2d(input, { kernelSize: 2, padding: 1 }).dispose();
        gn.avgPool2d(input, { kernelSize: 2 }).dispose();
        gn.avgPool2d(input, { kernelSize: 3, padding: 1, countIncludePad: false }).dispose();
      }
    };
    run();
    const before = info();
    for (let i = 0; i < 4; i++) run();
    const after = info();
    assert.equal(after.tensorBytes, before.tensorBytes);
    assert.equal(after.bytesInUse, before.bytesInUse);
    for (const t of [x, w, b, xi]) t.toTypedArray(); // the inputs are intact
  });
});
