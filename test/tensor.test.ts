import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";
import { threefry2x32 } from "../src/random/index.js";
import { assertAllClose } from "./helpers.js";

test("creation from nested arrays, typed arrays and constructors", () => {
  const a = gn.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(a.shape, [2, 3]);
  assert.equal(a.dtype, "float32");
  assert.equal(gn.tensor([true, false]).dtype, "bool");
  assert.equal(gn.tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] }).dtype, "float64");
  assert.equal(gn.tensor(new Int32Array([1, 2])).dtype, "int32");
  assert.deepEqual(gn.tensor([1.7, -1.7], { dtype: "int32" }).toArray(), [1, -1]);
  assert.deepEqual(gn.zeros([2]).toArray(), [0, 0]);
  assert.deepEqual(gn.ones([2], { dtype: "int32" }).toArray(), [1, 1]);
  assert.deepEqual(gn.full([2], 7).toArray(), [7, 7]);
  assert.deepEqual(gn.arange(4).toArray(), [0, 1, 2, 3]);
  assert.equal(gn.arange(4).dtype, "int32");
  assert.deepEqual(gn.arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(gn.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(gn.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
  assert.equal(gn.scalar(3).item(), 3);
  assert.deepEqual(gn.tensor(5).shape, []);
  assert.deepEqual(gn.zeros([0, 3]).toArray(), []);
});

test("bad data gets errors that name the problem", () => {
  assert.throws(() => gn.tensor([[1, 2], [3]]), (e: Error) => e instanceof gn.ShapeError && /ragged/.test(e.message) && /\[1\]/.test(e.message));
  assert.throws(() => gn.tensor([1, "x" as unknown as number]), (e: Error) => e instanceof gn.ValueError && /\[1\]/.test(e.message));
  assert.throws(() => gn.tensor(new Float32Array(5), { shape: [2, 2] }), gn.ShapeError);
  assert.throws(() => gn.zeros([2, -1]), gn.ShapeError);
  assert.throws(() => gn.zeros([2], { dtype: "float16" as gn.DType }), gn.DTypeError);
  assert.throws(() => gn.tensor([1, 2]).item(), (e: Error) => /item/.test(e.message) && /2 elements/.test(e.message));
  assert.throws(() => gn.arange(0, 1, 0), gn.ValueError);
});

test("typed-array access returns a copy; toArray gives nested arrays and booleans", () => {
  const t = gn.tensor([1, 2]);
  const v = t.toTypedArray();
  assert.ok(v instanceof Float32Array);
  v[0] = 99;
  assert.equal(t.toArray()[0 as never], 1);
  assert.deepEqual(gn.tensor([[true], [false]]).toArray(), [[true], [false]]);
});

test("printout is readable and summarises large tensors", () => {
  assert.equal(gn.tensor([[1, 2], [3, 4]]).toString(), "Tensor([[1, 2],\n        [3, 4]], shape=[2, 2], dtype=float32)");
  assert.equal(gn.tensor([true, false]).toString(), "Tensor([ true, false], shape=[2], dtype=bool)");
  const big = gn.arange(5000).toString();
  assert.ok(big.includes("..."), big);
  assert.ok(big.length < 200);
  assert.ok(gn.tensor([NaN, Infinity]).toString().includes("NaN"));
});

test("Threefry-2x32 matches the Random123 known-answer vectors", () => {
  const hex = (w: number[]) => w.map((x) => x.toString(16).padStart(8, "0")).join(" ");
  assert.equal(hex(threefry2x32(0, 0, 0, 0)), "6b200159 99ba4efe");
  assert.equal(hex(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)), "1cb996fc bb002be7");
  assert.equal(hex(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)), "c4923a9c 483df7a0");
});

test("random: same key same numbers, split keys differ, distributions have the right moments", () => {
  const k = gn.random.key(7);
  assert.deepEqual(gn.random.normal(k, [5]).toArray(), gn.random.normal(gn.random.key(7), [5]).toArray());
  const [k1, k2] = gn.random.split(k);
  assert.notDeepEqual(gn.random.uniform(k1, [4]).toArray(), gn.random.uniform(k2, [4]).toArray());
  const n = gn.random.normal(gn.random.key(1), [20000], { dtype: "float64" });
  assert.ok(Math.abs(gn.mean(n).item()) < 0.03);
  assert.ok(Math.abs(gn.std(n).item() - 1) < 0.03);
  const u = gn.random.uniform(gn.random.key(2), [20000], { min: -1, max: 3 });
  assert.ok(gn.min(u).item() >= -1 && gn.max(u).item() < 3);
  assert.ok(Math.abs(gn.mean(u).item() - 1) < 0.05);
  const b = gn.random.bernoulli(gn.random.key(3), 0.3, [20000]);
  assert.ok(Math.abs(gn.mean(b).item() - 0.3) < 0.02);
  const r = gn.random.randint(gn.random.key(4), [1000], 2, 5);
  assert.ok(gn.min(r).item() === 2 && gn.max(r).item() === 4);
  const p = gn.random.permutation(gn.random.key(5), 10);
  assert.deepEqual([...p].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.throws(() => gn.random.key(1.5), gn.ValueError);
  assert.throws(() => gn.random.bernoulli(k, 2, [1]), gn.ValueError);
});

test("the deterministic log used by the normal sampler is accurate", async () => {
  const { detLog } = await import("../src/random/index.js");
  for (const x of [1e-300, 1e-10, 0.1, 0.5, 0.99, 1, 1.5, 2, 10, 1e10, 5e-324]) assertAllClose(detLog(x), Math.log(x), 1e-15);
});

test("dispose frees a tensor; using it later is an error", () => {
  const t = gn.ones([3]);
  t.dispose();
  assert.throws(() => gn.add(t, 1));
  assert.ok(t.toString().includes("disposed"));
});
