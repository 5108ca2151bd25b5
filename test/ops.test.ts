import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";
import { assertAllClose } from "./helpers.js";

test("NumPy broadcasting and type promotion", () => {
  assert.deepEqual(gn.add(gn.ones([2, 1]), gn.arange(3)).shape, [2, 3]);
  assert.equal(gn.add(gn.tensor([1, 2], { dtype: "int32" }), 1).dtype, "int32");
  assert.equal(gn.add(gn.tensor([1, 2], { dtype: "int32" }), 0.5).dtype, "float32");
  assert.equal(gn.add(gn.tensor([1], { dtype: "float64" }), gn.tensor([1])).dtype, "float64");
  assert.equal(gn.div(gn.tensor([1], { dtype: "int32" }), 2).dtype, "float32");
  assert.equal(gn.exp(gn.tensor([0], { dtype: "int32" })).dtype, "float32");
  assert.deepEqual(gn.add(gn.tensor([true, true]), gn.tensor([true, false])).toArray(), [2, 1]);
  assert.deepEqual(gn.pow(gn.tensor([2, 3], { dtype: "int32" }), 2).toArray(), [4, 9]);
});

test("reductions over axes with keepdims, and their NaN behaviour", () => {
  const x = gn.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(gn.sum(x, 0).toArray(), [5, 7, 9]);
  assert.deepEqual(gn.sum(x, -1, { keepdims: true }).toArray(), [[6], [15]]);
  assert.equal(gn.mean(x).item(), 3.5);
  assert.deepEqual(gn.prod(x, 1).toArray(), [6, 120]);
  assert.deepEqual(gn.max(x, 0).toArray(), [4, 5, 6]);
  assert.deepEqual(gn.min(x, [0, 1]).toArray(), 1);
  assertAllClose(gn.variance(x).item(), 35 / 12, 1e-6);
  assertAllClose(gn.std(x, 1, { ddof: 1 }).toArray(), [1, 1], 1e-6);
  assert.deepEqual(gn.argmax(x, 1).toArray(), [2, 2]);
  assert.equal(gn.argmax(x).item(), 5);
  assert.deepEqual(gn.argmin(x, 0, { keepdims: true }).toArray(), [[0, 0, 0]]);
  assert.deepEqual(gn.cumsum(x, 1).toArray(), [[1, 3, 6], [4, 9, 15]]);
  assert.ok(Number.isNaN(gn.max(gn.tensor([1, NaN])).item()));
  assert.ok(Number.isNaN(gn.sum(gn.tensor([1, NaN])).item()));
  assertAllClose(gn.logsumexp(gn.tensor([1000, 1000])).item(), 1000 + Math.log(2), 1e-6);
  assert.equal(gn.logsumexp(gn.tensor([-Infinity, -Infinity])).item(), -Infinity);
  assertAllClose(gn.softmax(gn.tensor([[1, 1], [0, 1000]])).toArray(), [[0.5, 0.5], [0, 1]]);
  assert.throws(() => gn.sum(x, 2), (e: Error) => e instanceof gn.ShapeError && /axis 2/.test(e.message));
  assert.throws(() => gn.max(gn.zeros([0])), gn.ValueError);
});

test("slicing like Python, padding, joining, splitting, tiling", () => {
  const a = gn.arange(10);
  assert.deepEqual(a.slice([2], [8], [2]).toArray(), [2, 4, 6]);
  assert.deepEqual(a.slice([-3]).toArray(), [7, 8, 9]);
  assert.deepEqual(a.slice([8], [2], [-3]).toArray(), [8, 5]);
  assert.deepEqual(a.slice([4], [null], [-1]).toArray(), [4, 3, 2, 1, 0]);
  assert.deepEqual(a.slice([20]).toArray(), []);
  const m = gn.arange(6).reshape([2, 3]);
  assert.deepEqual(m.slice([0, 1]).toArray(), [[1, 2], [4, 5]]);
  assert.deepEqual(gn.pad(gn.tensor([1, 2]), [[1, 2]]).toArray(), [0, 1, 2, 0, 0]);
  assert.deepEqual(gn.pad(m, 1, -1).shape, [4, 5]);
  assert.deepEqual(gn.concat([m, m], 1).shape, [2, 6]);
  assert.deepEqual(gn.stack([m, m], 1).shape, [2, 2, 3]);
  assert.deepEqual(gn.split(gn.arange(6), 3).map((t) => t.toArray()), [[0, 1], [2, 3], [4, 5]]);
  assert.deepEqual(gn.split(gn.arange(6), [1, 4]).map((t) => t.toArray()), [[0], [1, 2, 3], [4, 5]]);
  assert.deepEqual(gn.tile(gn.tensor([1, 2]), [2]).toArray(), [1, 2, 1, 2]);
  assert.deepEqual(gn.tile(gn.tensor([[1], [2]]), [1, 3]).toArray(), [[1, 1, 1], [2, 2, 2]]);
  assert.deepEqual(gn.flip(m, 1).toArray(), [[2, 1, 0], [5, 4, 3]]);
  assert.deepEqual(m.transpose().shape, [3, 2]);
  assert.deepEqual(gn.moveAxis(gn.zeros([2, 3, 4]), 0, -1).shape, [3, 4, 2]);
  assert.deepEqual(m.reshape([-1]).shape, [6]);
  assert.deepEqual(gn.squeeze(gn.zeros([1, 3, 1])).shape, [3]);
  assert.deepEqual(gn.expandDims(gn.zeros([3]), -1).shape, [3, 1]);
  assert.throws(() => m.reshape([4, -1]), (e: Error) => e instanceof gn.ShapeError && /\[2, 3\]/.test(e.message));
  assert.throws(() => gn.split(gn.arange(5), 2), gn.ShapeError);
  assert.throws(() => gn.concat([m, gn.zeros([3, 3])], 1), (e: Error) => e instanceof gn.ShapeError && /argument 1/.test(e.message));
});

test("gather, scatterAdd, takeAlongAxis and oneHot", () => {
  const x = gn.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(gn.take(x, [2, 0], 1).toArray(), [[3, 1], [6, 4]]);
  assert.deepEqual(gn.take(x, [-1]).toArray(), [[4, 5, 6]]);
  assert.deepEqual(gn.scatterAdd(gn.zeros([3]), [0, 0, 2], gn.tensor([1, 2, 3])).toArray(), [3, 0, 3]);
  assert.deepEqual(gn.takeAlongAxis(x, gn.tensor([[1], [0]], { dtype: "int32" }), 1).toArray(), [[2], [4]]);
  assert.deepEqual(gn.oneHot([0, 2], 3).toArray(), [[1, 0, 0], [0, 0, 1]]);
  assert.throws(() => gn.take(x, [3], 1), (e: Error) => e instanceof gn.ValueError && /index 3 is out of range for an axis of size 3/.test(e.message));
});

test("matmul semantics: batched, broadcast batch, vectors; dot and outer", () => {
  assert.deepEqual(gn.matmul(gn.ones([5, 2, 3]), gn.ones([3, 4])).shape, [5, 2, 4]);
  assert.deepEqual(gn.matmul(gn.ones([2, 3]), gn.ones([3])).shape, [2]);
  assert.deepEqual(gn.matmul(gn.ones([3]), gn.ones([3, 4])).shape, [4]);
  assert.deepEqual(gn.matmul(gn.ones([3]), gn.ones([3])).shape, []);
  assert.equal(gn.dot(gn.tensor([1, 2]), gn.tensor([3, 4])).item(), 11);
  assert.deepEqual(gn.outer(gn.tensor([1, 2]), gn.tensor([1, 10])).toArray(), [[1, 10], [2, 20]]);
  assert.deepEqual(gn.matmul(gn.tensor([[1, 2], [3, 4]]), gn.tensor([[5], [6]])).toArray(), [[17], [39]]);
});

test("activations and elementwise composites", () => {
  assertAllClose(gn.leakyRelu(gn.tensor([-1, 1]), 0.1).toArray(), [-0.1, 1]);
  assertAllClose(gn.elu(gn.tensor([-1, 1])).toArray(), [Math.expm1(-1), 1]);
  assertAllClose(gn.gelu(gn.tensor([1])).toArray(), [0.8413447], 1e-5);
  assertAllClose(gn.gelu(gn.tensor([1]), true).toArray(), [0.8411920], 1e-5);
  assertAllClose(gn.clip(gn.tensor([-2, 0.5, 3]), 0, 1).toArray(), [0, 0.5, 1]);
  assert.deepEqual(gn.isNaN(gn.tensor([NaN, 1])).toArray(), [true, false]);
  assert.deepEqual(gn.isFinite(gn.tensor([NaN, Infinity, 1])).toArray(), [false, false, true]);
  assertAllClose(gn.softplus(gn.tensor([800, -800], { dtype: "float64" })).toArray(), [800, 0]);
  assertAllClose(gn.sigmoid(gn.tensor([800, -800], { dtype: "float64" })).toArray(), [1, 0]);
  assert.throws(() => gn.where(gn.tensor([1]), 1, 2), gn.DTypeError);
});

test("every op's derivatives, to second order in both modes, for composites too", () => {
  const x = gn.tensor([[0.3, -1.2, 0.8], [1.5, -0.4, 0.1]], { dtype: "float64" });
  const composites: [string, (t: gn.Tensor) => gn.Tensor][] = [
    ["softmax", (t) => gn.softmax(t)],
    ["logSoftmax", (t) => gn.logSoftmax(t, 0)],
    ["logsumexp", (t) => gn.logsumexp(t, 1)],
    ["var", (t) => gn.variance(t, 0)],
    ["std", (t) => gn.std(t)],
    ["mean", (t) => gn.mean(t, 1)],
    ["gelu", (t) => gn.gelu(t)],
    ["gelu tanh", (t) => gn.gelu(t, true)],
    ["elu", (t) => gn.elu(t)],
    ["leakyRelu", (t) => gn.leakyRelu(t)],
    ["square", (t) => gn.square(t)],
    ["tile", (t) => gn.tile(t, [2, 1])],
    ["stack/split", (t) => gn.stack(gn.split(t, 3, 1), 0)],
    ["dot/outer", (t) => gn.outer(t.slice([0], [1]).reshape([3]), t.slice([1], [2]).reshape([3]))],
    ["matmul vector", (t) => gn.matmul(t, t.slice([0], [1]).reshape([3]))],
    ["slice negative step", (t) => t.slice([1, 2], [null, null], [-1, -2])],
    ["clip", (t) => gn.clip(t, -1, 1)],
  ];
  for (const [name, f] of composites) {
    try {
      gn.checkGrads(f, [x], { order: 2 });
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
  }
});

test("norm: values for each ord, a zero subgradient at 0, derivatives to order 2", () => {
  assert.equal(gn.norm(gn.tensor([3, 4])).item(), 5);
  assert.deepEqual(gn.norm(gn.tensor([[1, -2], [3, 0]]), { ord: 1, axes: 1 }).toArray(), [3, 3]);
  assert.equal(gn.norm(gn.tensor([1, -7, 3]), { ord: Infinity }).item(), 7);
  assert.equal(gn.norm(gn.tensor([1, -7, 3]), { ord: -Infinity }).item(), 1);
  assert.deepEqual(gn.norm(gn.ones([2, 3]), { axes: [0, 1], keepdims: true }).shape, [1, 1]);
  assert.deepEqual(gn.grad((v: gn.Tensor) => gn.norm(v))(gn.zeros([3], { dtype: "float64" })).toArray(), [0, 0, 0]);
  assertAllClose(gn.grad((v: gn.Tensor) => gn.norm(v))(gn.tensor([3, 4], { dtype: "float64" })).toArray(), [0.6, 0.8]);
  assert.ok(Number.isNaN(gn.norm(gn.tensor([NaN, 1])).item()));
  gn.checkGrads((v: gn.Tensor) => gn.norm(v, { axes: 1 }), [gn.tensor([[0.3, -1.2], [2, 0.5]], { dtype: "float64" })], { order: 2 });
  assert.throws(() => gn.norm(gn.ones([2]), { ord: 3 as 2 }), gn.ValueError);
});
