import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";
import { bind } from "../src/engine/trace.js";
import { assertAllClose } from "./helpers.js";

const f64 = { dtype: "float64" as const };
const rand = (seed: number, shape: number[]) => gn.random.normal(gn.random.key(seed), shape, f64);
const throwsWith = (fn: () => unknown, cls: new (...a: never[]) => Error, re: RegExp) =>
  assert.throws(fn, (e: Error) => e instanceof cls && re.test(e.message), re.source);

test("conv2d values: hand-computed cross-correlations with stride, padding, dilation and groups", () => {
  const x = gn.arange(16).reshape([1, 1, 4, 4]);
  assert.deepEqual(gn.conv2d(x, gn.ones([1, 1, 2, 2]), { stride: 2 }).toArray(), [[[[10, 18], [42, 50]]]]);
  // Cross-correlation: the filter is not flipped.
  assert.deepEqual(gn.conv2d(gn.tensor([[[[1, 2, 3]]]]), gn.tensor([[[[1, 10]]]])).toArray(), [[[[21, 32]]]]);
  // Zero padding 1 with a 3x3 filter of ones counts the real neighbours.
  assert.deepEqual(gn.conv2d(gn.ones([1, 1, 3, 3]), gn.ones([1, 1, 3, 3]), { padding: 1 }).toArray(), [[[[4, 6, 4], [6, 9, 6], [4, 6, 4]]]]);
  // Dilation 2 reads the corners of a 3x3 input: 0*1 + 2*2 + 6*3 + 8*4.
  assert.deepEqual(gn.conv2d(gn.arange(9).reshape([1, 1, 3, 3]), gn.tensor([[[[1, 2], [3, 4]]]]), { dilation: 2 }).toArray(), [[[[54]]]]);
  // Asymmetric padding: one row on top, two columns on the right.
  assert.deepEqual(gn.conv2d(gn.ones([1, 1, 2, 2]), gn.ones([1, 1, 2, 2]), { padding: [[1, 0], [0, 2]] }).toArray(), [[[[2, 1, 0], [4, 2, 0]]]]);
  // groups 2: output channel 0 sees only input channel 0, output channel 1 only input channel 1.
  const two = gn.tensor([[[[1, 2]], [[3, 4]]]]);
  assert.deepEqual(gn.conv2d(two, gn.tensor([[[[10]]], [[[100]]]]), { groups: 2 }).toArray(), [[[[10, 20]], [[300, 400]]]]);
  assert.deepEqual(gn.conv2d(two, gn.tensor([[[[10]], [[100]]]])).toArray(), [[[[310, 420]]]]);
  // Depthwise with a channel multiplier of 2: output channels 0, 1 read input channel 0; 2, 3 read channel 1.
  assert.deepEqual(gn.conv2d(two, gn.tensor([1, 2, 3, 4]).reshape([4, 1, 1, 1]), { groups: 2 }).toArray(), [[[[1, 2]], [[2, 4]], [[9, 12]], [[12, 16]]]]);
});

test("conv2d padding modes, bias, unbatched input and dtypes", () => {
  // "same" with an even kernel puts the extra zero on the right, as in TensorFlow.
  assert.deepEqual(gn.conv2d(gn.tensor([[[[0, 1, 2, 3]]]]), gn.ones([1, 1, 1, 2]), { padding: "same" }).toArray(), [[[[1, 3, 5, 3]]]]);
  assert.deepEqual(gn.conv2d(gn.ones([2, 3, 5, 7]), gn.ones([4, 3, 3, 2]), { padding: "same", stride: 2 }).shape, [2, 4, 3, 4]);
  assert.deepEqual(gn.conv2d(gn.ones([1, 1, 6, 6]), gn.ones([1, 1, 3, 3]), { padding: "same", dilation: 2 }).shape, [1, 1, 6, 6]);
  assert.deepEqual(gn.conv2d(gn.ones([1, 1, 6, 6]), gn.ones([1, 1, 3, 3]), { padding: "valid" }).shape, [1, 1, 4, 4]);
  assert.deepEqual(gn.conv2d(gn.ones([1, 1, 6, 5]), gn.ones([1, 1, 3, 3]), { padding: [2, 0] }).shape, [1, 1, 8, 3]);
  const x = gn.arange(18).reshape([2, 3, 3]);
  const w = gn.arange(8).reshape([2, 2, 2, 1]).sub(3);
  const bias = gn.tensor([100, -100]);
  const batched = gn.conv2d(x.reshape([1, 2, 3, 3]), w, { bias });
  const single = gn.conv2d(x, w, { bias });
  assert.deepEqual(single.shape, [2, 2, 3]);
  assert.deepEqual(single.toArray(), (batched.toArray() as number[][])[0]);
  assertAllClose(gn.sub(single, gn.conv2d(x, w)).toArray(), [[[100, 100, 100], [100, 100, 100]], [[-100, -100, -100], [-100, -100, -100]]]);
  assert.equal(gn.conv2d(gn.ones([1, 1, 2, 2], { dtype: "int32" }), gn.ones([1, 1, 1, 1], { dtype: "int32" })).dtype, "float32");
  assert.equal(gn.conv2d(gn.ones([1, 1, 2, 2]), gn.ones([1, 1, 1, 1], f64)).dtype, "float64");
  // float32 agrees with float64 to float32 precision.
  const x64 = rand(1, [2, 3, 6, 6]);
  const w64 = rand(2, [4, 3, 3, 3]);
  assertAllClose(gn.conv2d(x64.astype("float32"), w64.astype("float32"), { padding: 1 }).toArray(), gn.conv2d(x64, w64, { padding: 1 }).toArray(), 1e-5);
});

test("conv2d's three primitives are adjoint: <conv(x, w), g> = <x, gradInput(g, w)> = <w, gradFilter(x, g)>", () => {
  const geometry = { stride: [2, 1] as [number, number], padding: [[1, 0], [2, 1]] as [[number, number], [number, number]], dilation: [1, 2] as [number, number], groups: 2 };
  const x = rand(3, [2, 4, 7, 6]);
  const w = rand(4, [6, 2, 3, 2]);
  const y = bind("conv2d", [x, w], geometry);
  const g = rand(5, [...y.shape]);
  const gx = bind("conv2dGradInput", [g, w], { ...geometry, inputShape: [...x.shape] });
  const gw = bind("conv2dGradFilter", [x, g], { ...geometry, filterShape: [...w.shape] });
  const lhs = gn.sum(gn.mul(y, g)).item();
  assertAllClose(gn.sum(gn.mul(x, gx)).item(), lhs, 1e-10);
  assertAllClose(gn.sum(gn.mul(w, gw)).item(), lhs, 1e-10);
  // The last input row lies past the last window (7 rows + 1 padding, 3-row windows at stride 2), so it gets no gradient.
  assert.equal(gx.slice([0, 0, 6]).abs().sum().item(), 0);
  assert.ok(gx.slice([0, 0, 5], [null, null, 6]).abs().sum().item() > 0);
});

test("conv2d derivatives to order 2 in both modes, with stride, padding, dilation, groups and bias", () => {
  const x = rand(6, [2, 4, 5, 5]);
  const w = rand(7, [4, 2, 3, 2]);
  const b = rand(8, [4]);
  const f = (x: gn.Tensor, w: gn.Tensor, b: gn.Tensor) =>
    gn.conv2d(x, w, { stride: 2, padding: [[1, 0], [2, 1]], dilation: [1, 2], groups: 2, bias: b }).tanh();
  assert.ok(gn.checkGrads(f, [x, w, b], { order: 2 }) > 0);
  const same = (x: gn.Tensor, w: gn.Tensor) => gn.conv2d(x, w, { stride: 2, padding: "same" }).sin().sum();
  assert.ok(gn.checkGrads(same, [rand(9, [1, 2, 6, 5]), rand(10, [3, 2, 2, 3])], { order: 2 }) > 0);
  const unbatched = (x: gn.Tensor, w: gn.Tensor) => gn.conv2d(x, w, { padding: 1 }).square();
  assert.ok(gn.checkGrads(unbatched, [rand(11, [2, 4, 4]), rand(12, [1, 2, 3, 3])], { order: 2 }) > 0);
});

test("conv2d errors name the op, the argument and the shapes", () => {
  throwsWith(() => gn.conv2d(gn.ones([1, 3, 4, 4]), gn.ones([2, 2, 3, 3])), gn.ShapeError, /conv2d: channel mismatch: x \(argument 0\) of shape \[1, 3, 4, 4\] has 3 channels.*needs 3 in axis 1.*\[2, 2, 3, 3\]/);
  throwsWith(() => gn.conv2d(gn.ones([1, 3, 4, 4]), gn.ones([2, 1, 3, 3]), { groups: 2 }), gn.ShapeError, /conv2d: groups = 2 does not divide the 3 input channels/);
  throwsWith(() => gn.conv2d(gn.ones([1, 4, 4, 4]), gn.ones([3, 2, 1, 1]), { groups: 2 }), gn.ShapeError, /groups = 2 does not divide the 3 output channels of w \(argument 1\) \(shape \[3, 2, 1, 1\]\)/);
  throwsWith(() => gn.conv2d(gn.ones([1, 1, 2, 2]), gn.ones([1, 1, 3, 3])), gn.ShapeError, /kernel \(3x3.*larger than the padded input \(2x2/);
  assert.deepEqual(gn.conv2d(gn.ones([1, 1, 2, 2]), gn.ones([1, 1, 3, 3]), { padding: 1 }).shape, [1, 1, 2, 2]);
  throwsWith(() => gn.conv2d(gn.ones([1, 1, 3, 3]), gn.ones([1, 1, 2, 2]), { dilation: 3 }), gn.ShapeError, /4x4 with dilation \[3,3\]\) is larger than the padded input \(3x3/);
  throwsWith(() => gn.conv2d(gn.ones([4, 4]), gn.ones([1, 1, 1, 1])), gn.ShapeError, /conv2d: x must have shape \[N, C, H, W\] or \[C, H, W\], got \[4, 4\]/);
  throwsWith(() => gn.conv2d(gn.ones([1, 1, 4, 4]), gn.ones([1, 3, 3])), gn.ShapeError, /conv2d: w must have shape \[O, C\/groups, KH, KW\], got \[1, 3, 3\]/);
  throwsWith(() => gn.conv2d(gn.ones([1, 1, 4, 4]), gn.ones([1, 1, 1, 1]), { stride: 0 }), gn.ValueError, /conv2d: stride must be an integer >= 1/);
  throwsWith(() => gn.conv2d(gn.ones([1, 1, 4, 4]), gn.ones([1, 1, 1, 1]), { stride: [1, 1.5] }), gn.ValueError, /stride/);
  throwsWith(() => gn.conv2d(gn.ones([1, 1, 4, 4]), gn.ones([1, 1, 1, 1]), { padding: -1 }), gn.ValueError, /conv2d: padding must be/);
  throwsWith(() => gn.conv2d(gn.ones([1, 1, 4, 4]), gn.ones([1, 1, 1, 1]), { padding: "full" as never }), gn.ValueError, /got "full"/);
  throwsWith(() => gn.conv2d(gn.ones([1, 1, 4, 4]), gn.ones([1, 1, 1, 1]), { groups: 0 }), gn.ValueError, /groups must be an integer >= 1, got 0/);
  throwsWith(() => gn.conv2d(gn.ones([1, 1, 4, 4]), gn.ones([2, 1, 1, 1]), { bias: gn.ones([3]) }), gn.ShapeError, /bias must have shape \[2\].*got \[3\]/);
  // The transposed primitives check the output gradient against the geometry.
  const p = { stride: [1, 1] as [number, number], padding: [[0, 0], [0, 0]] as [[number, number], [number, number]], dilation: [1, 1] as [number, number], groups: 1 };
  throwsWith(() => bind("conv2dGradInput", [gn.ones([1, 1, 3, 3]), gn.ones([1, 1, 2, 2])], { ...p, inputShape: [1, 1, 5, 5] }), gn.ShapeError, /conv2dGradInput: the output gradient g \(argument 0\) has shape \[1, 1, 3, 3\] but conv2d of input shape \[1, 1, 5, 5\] with filter \[1, 1, 2, 2\] gives \[1, 1, 4, 4\]/);
  throwsWith(() => bind("conv2dGradFilter", [gn.ones([1, 1, 5, 5]), gn.ones([1, 2, 4, 4])], { ...p, filterShape: [1, 1, 2, 2] }), gn.ShapeError, /conv2dGradFilter: the output gradient g \(argument 1\) has shape \[1, 2, 4, 4\]/);
  throwsWith(() => bind("conv2d", [gn.ones([1, 1, 4, 4]), gn.ones([1, 1, 1, 1], f64)], p), gn.DTypeError, /conv2d: argument 1 has dtype float64 but argument 0 has float32/);
});

test("conv2d with NaN or infinity: only the windows that touch it are affected", () => {
  const x = gn.tensor([[[[NaN, 1, 2, 3], [1, 1, 1, 1], [1, 1, 1, Infinity], [1, 1, 1, 1]]]]);
  const y = gn.conv2d(x, gn.ones([1, 1, 2, 2]), { stride: 2 }).toArray();
  assertAllClose(y, [[[[NaN, 7], [4, Infinity]]]]);
  // 0 * Infinity is NaN, so a zero filter tap does not hide an infinity.
  assertAllClose(gn.conv2d(gn.tensor([[[[Infinity, 1]]]]), gn.tensor([[[[0, 1]]]])).toArray(), [[[[NaN]]]]);
});

test("maxPool2d values: windows, stride, padding with -Infinity, dilation, unbatched and integer input", () => {
  const x = gn.tensor([[[[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [0, 9, 2, 3]]]]);
  assert.deepEqual(gn.maxPool2d(x, { kernelSize: 2 }).toArray(), [[[[4, 5], [9, 3]]]]);
  assert.deepEqual(gn.maxPool2d(x, { kernelSize: [2, 4], stride: [2, 1] }).toArray(), [[[[5], [9]]]]);
  assert.deepEqual(gn.maxPool2d(x, { kernelSize: 2, dilation: 2, stride: 1 }).toArray(), [[[[5, 2], [3, 9]]]]);
  // Padding never wins, even when every real value is negative.
  const neg = gn.tensor([[[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]]]);
  assert.deepEqual(gn.maxPool2d(neg, { kernelSize: 3, stride: 1, padding: 1 }).toArray(), [[[-1, -1, -2], [-1, -1, -2], [-4, -4, -5]]]);
  assert.deepEqual(gn.maxPool2d(neg, { kernelSize: 2, stride: 2, padding: "same" }).toArray(), [[[-1, -3], [-7, -9]]]);
  const ints = gn.maxPool2d(gn.arange(16, undefined, 1, { dtype: "int32" }).reshape([1, 1, 4, 4]), { kernelSize: 2 });
  assert.equal(ints.dtype, "float32");
  assert.deepEqual(ints.toArray(), [[[[5, 7], [13, 15]]]]);
  assert.deepEqual(gn.maxPool2d(gn.ones([3, 2, 7, 5]), { kernelSize: 3, stride: 2 }).shape, [3, 2, 3, 2]);
});

test("maxPool2d derivative goes to the first largest element of each window; NaN wins", () => {
  const gradSum = (x: gn.Tensor, opts: gn.MaxPool2dOptions) => gn.grad((t: gn.Tensor) => gn.maxPool2d(t, opts).sum())(x).toArray();
  assert.deepEqual(gradSum(gn.tensor([[[[1, 4], [3, 2]]]]), { kernelSize: 2 }), [[[[0, 1], [0, 0]]]]);
  // Ties: the first in row-major order takes the whole derivative (gn.max would split it).
  assert.deepEqual(gradSum(gn.ones([1, 1, 2, 2]), { kernelSize: 2 }), [[[[1, 0], [0, 0]]]]);
  // Overlapping windows that share a maximum add up there.
  assert.deepEqual(gradSum(gn.tensor([[[[0, 0, 0], [0, 5, 0], [0, 0, 0]]]]), { kernelSize: 2, stride: 1 }), [[[[0, 0, 0], [0, 4, 0], [0, 0, 0]]]]);
  // A window holding NaN gives NaN, and the first NaN takes the derivative.
  const withNaN = gn.tensor([[[[1, NaN, 7, 2], [NaN, 3, 1, 1]]]]);
  assertAllClose(gn.maxPool2d(withNaN, { kernelSize: 2 }).toArray(), [[[[NaN, 7]]]]);
  assert.deepEqual(gradSum(withNaN, { kernelSize: 2 }), [[[[0, 1, 1, 0], [0, 0, 0, 0]]]]);
  // -Infinity is an ordinary value.
  assert.deepEqual(gn.maxPool2d(gn.tensor([[[[-Infinity, -Infinity], [-Infinity, -1]]]]), { kernelSize: 2 }).toArray(), [[[[-1]]]]);
});

test("maxPool2d derivatives to order 2 in both modes", () => {
  const x = rand(13, [2, 2, 5, 6]);
  const f = (x: gn.Tensor) => gn.maxPool2d(x, { kernelSize: 3, stride: [2, 1], padding: 1 }).square();
  assert.ok(gn.checkGrads(f, [x], { order: 2 }) > 0);
  const g = (x: gn.Tensor) => gn.maxPool2d(x, { kernelSize: 2, stride: 1, dilation: 2 }).tanh().sum();
  assert.ok(gn.checkGrads(g, [x], { order: 2 }) > 0);
});

test("avgPool2d values: countIncludePad, stride, padding, NaN", () => {
  const x = gn.arange(16).reshape([1, 1, 4, 4]);
  assert.deepEqual(gn.avgPool2d(x, { kernelSize: 2 }).toArray(), [[[[2.5, 4.5], [10.5, 12.5]]]]);
  assert.deepEqual(gn.avgPool2d(x, { kernelSize: [1, 4] }).toArray(), [[[[1.5], [5.5], [9.5], [13.5]]]]);
  const ones = gn.ones([1, 3, 3]);
  assert.deepEqual(gn.avgPool2d(ones, { kernelSize: 2, stride: 1, padding: 1 }).toArray(), [[[0.25, 0.5, 0.5, 0.25], [0.5, 1, 1, 0.5], [0.5, 1, 1, 0.5], [0.25, 0.5, 0.5, 0.25]]]);
  assert.deepEqual(gn.avgPool2d(ones, { kernelSize: 2, stride: 1, padding: 1, countIncludePad: false }).toArray(), [[[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]]);
  // Asymmetric "same" padding: only the right column is padding, so excluding it divides by 2 there.
  assert.deepEqual(gn.avgPool2d(gn.tensor([[[[2, 4, 6]]]]), { kernelSize: [1, 2], stride: [1, 2], padding: "same", countIncludePad: false }).toArray(), [[[[3, 6]]]]);
  assert.deepEqual(gn.avgPool2d(gn.tensor([[[[2, 4, 6]]]]), { kernelSize: [1, 2], stride: [1, 2], padding: "same" }).toArray(), [[[[3, 3]]]]);
  // Channels are pooled independently.
  const two = gn.stack([gn.ones([2, 2]), gn.full([2, 2], 3)]).reshape([1, 2, 2, 2]);
  assert.deepEqual(gn.avgPool2d(two, { kernelSize: 2 }).toArray(), [[[[1]], [[3]]]]);
  assert.equal(gn.avgPool2d(gn.ones([1, 1, 2, 2], f64), { kernelSize: 2 }).dtype, "float64");
  assertAllClose(gn.avgPool2d(gn.tensor([[[[NaN, 1, 1, 1], [1, 1, 1, 1]]]]), { kernelSize: 2 }).toArray(), [[[[NaN, 1]]]]);
  const grad = gn.grad((t: gn.Tensor) => gn.avgPool2d(t, { kernelSize: 2, stride: 1 }).sum())(gn.ones([1, 1, 3, 3]));
  assert.deepEqual(grad.toArray(), [[[[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]]]]);
});

test("avgPool2d derivatives to order 2 in both modes", () => {
  const x = rand(14, [2, 2, 5, 4]);
  for (const countIncludePad of [true, false]) {
    const f = (x: gn.Tensor) => gn.avgPool2d(x, { kernelSize: [3, 2], stride: [2, 1], padding: [1, 1], countIncludePad }).sin();
    assert.ok(gn.checkGrads(f, [x], { order: 2 }) > 0);
  }
});

test("pooling errors name the op, the option and the shapes", () => {
  throwsWith(() => gn.maxPool2d(gn.ones([1, 1, 4, 4]), { kernelSize: 2, padding: 2 }), gn.ValueError, /maxPool2d: padding \[\[2,2\],\[2,2\]\] is more than half the window size \[2,2\]/);
  throwsWith(() => gn.avgPool2d(gn.ones([1, 1, 4, 4]), { kernelSize: 3, padding: 2 }), gn.ValueError, /avgPool2d: padding .* more than half/);
  throwsWith(() => gn.maxPool2d(gn.ones([1, 1, 2, 2]), { kernelSize: 3 }), gn.ShapeError, /maxPool2d: the window 3x3 \(dilation \[1,1\]\) is larger than the \(padded\) input x of shape \[1, 1, 2, 2\]/);
  throwsWith(() => gn.avgPool2d(gn.ones([1, 1, 2, 2]), { kernelSize: 3 }), gn.ShapeError, /avgPool2d: the kernel \(3x3.*larger than the padded input/);
  throwsWith(() => gn.maxPool2d(gn.ones([4, 4]), { kernelSize: 2 }), gn.ShapeError, /maxPool2d: x must have shape \[N, C, H, W\] or \[C, H, W\], got \[4, 4\]/);
  throwsWith(() => gn.avgPool2d(gn.ones([1, 1, 4, 4]), { kernelSize: 0 }), gn.ValueError, /avgPool2d: kernelSize must be an integer >= 1/);
  throwsWith(() => gn.maxPool2d(gn.ones([1, 1, 4, 4]), { kernelSize: 2, stride: [1] as never }), gn.ValueError, /maxPool2d: stride must be/);
});
