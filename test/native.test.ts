/**
 * The native backend against the reference backend, on every instruction set this CPU runs (AVX-512,
 * AVX2+FMA, portable C): every primitive's samples in float64 and float32; larger shapes that reach
 * the GEMM blocking, the thread pool and the SIMD tails; convolutions of every geometry; float32
 * special values; the fused Adam step. Where the addon is not built, the tests check the fallback:
 * setBackend("native") warns once and runs on the wasm backend.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as gn from "../src/index.js";
import { prims, type PrimName } from "../src/ops/prims/index.js";
import { bind } from "../src/engine/trace.js";
import type { Primitive, Sample } from "../src/engine/primitive.js";
import { sampleInputs } from "../src/testing/samples.js";
import { fusedAdamLeaf, fusedNormsAndDot } from "../src/backends/fused.js";
import { setNativeIsa } from "../src/backends/native/index.js";
import { TransposedView } from "../src/backends/native/views.js";

const info = gn.nativeInfo();
const indexJs = fileURLToPath(new URL("../src/index.js", import.meta.url));

/** Runs f on backend `name`, then restores the backend that was current (calls nest). */
function withBackend<T>(name: string, f: () => T): T {
  const previous = gn.getBackend().name;
  gn.setBackend(name);
  try {
    return f();
  } finally {
    gn.setBackend(previous);
  }
}

function on(backend: string, t: gn.Tensor): gn.Tensor {
  return withBackend(backend, () => gn.tensor(t));
}

/** Products whose float32 rounding depends on the summation order (and on fused multiply-adds). */
const BILINEAR = new Set<PrimName>(["matmul", "conv2d", "conv2dGradInput", "conv2dGradFilter"]);

/**
 * Runs prim on the reference and the native backend and compares: float64 to 1e-12 relative; float32
 * to 3e-6 relative, except products, which are held to 2e-6 of the sum of |terms| (the same product on
 * absolute values), the bound that fits any summation order.
 */
function compare(name: PrimName, inputs: gn.Tensor[], params: unknown, what: string): void {
  const ref = withBackend("reference", () => bind(name, inputs.map((t) => on("reference", t)), params as never));
  const got = withBackend("native", () => bind(name, inputs.map((t) => on("native", t)), params as never));
  assert.deepEqual(got.shape, ref.shape, `${what}: shape`);
  assert.equal(got.dtype, ref.dtype, `${what}: dtype`);
  const g = withBackend("native", () => got.toTypedArray());
  const w = ref.toTypedArray();
  const scale = BILINEAR.has(name) ? withBackend("reference", () => bind(name, inputs.map((t) => on("reference", t).abs()), params as never).toTypedArray()) : null;
  const f32 = ref.dtype === "float32";
  const exact = ref.dtype === "int32" || ref.dtype === "bool";
  for (let i = 0; i < w.length; i++) {
    const a = g[i];
    const b = w[i];
    let ok: boolean;
    let tol = 0;
    if (Number.isNaN(b)) ok = Number.isNaN(a);
    else if (!Number.isFinite(b) || exact) ok = a === b;
    else {
      tol = scale !== null ? (f32 ? 2e-6 : 1e-14) * scale[i] + 1e-30 : f32 ? 1e-6 + 3e-6 * Math.abs(b) : 1e-14 + 1e-12 * Math.abs(b);
      ok = Math.abs(a - b) <= tol;
    }
    if (!ok) assert.fail(`${what}[${i}]: native ${a}, reference ${b} (tolerance ${tol})`);
  }
}

function asFloat32(t: gn.Tensor): gn.Tensor {
  return t.dtype === "float64" ? withBackend("reference", () => t.astype("float32")) : t;
}

function rand(shape: number[], dtype: gn.DType = "float32", seed = 1, lo = -2, hi = 2): gn.Tensor {
  return withBackend("reference", () => gn.random.uniform(gn.random.key(seed), shape, { dtype, minval: lo, maxval: hi } as never));
}

/** The transpose of t's last two axes, of an array the backend owns (on native, from 4096 elements, a lazy view). */
function ownedTranspose(t: gn.Tensor): gn.Tensor {
  return gn.tensor(t).mul(1).transpose(t.shape.map((_, i) => (i < t.ndim - 2 ? i : 2 * t.ndim - 3 - i)));
}

/** matmul(op(a), op(b)) on the native backend, op a transpose where asked, against the reference. */
function checkTransposedMatmul(a: gn.Tensor, b: gn.Tensor, ta: boolean, tb: boolean, what: string): void {
  const refT = (t: gn.Tensor, yes: boolean) => (yes ? t.transpose(t.shape.map((_, i) => (i < t.ndim - 2 ? i : 2 * t.ndim - 3 - i))) : t);
  const [want, scale] = withBackend("reference", () => [gn.matmul(refT(a, ta), refT(b, tb)).toTypedArray(), gn.matmul(refT(a, ta).abs(), refT(b, tb).abs()).toTypedArray()]);
  const got = withBackend("native", () => {
    const x = ta ? ownedTranspose(a) : gn.tensor(a);
    const y = tb ? ownedTranspose(b) : gn.tensor(b);
    for (const [t, yes] of [[x, ta], [y, tb]] as const)
      if (yes && t.size >= 4096) assert.ok(t._data instanceof TransposedView, `${what}: a transpose of an owned array is a view`);
    return gn.matmul(x, y).toTypedArray();
  });
  const f32 = a.dtype === "float32";
  for (let i = 0; i < want.length; i++) {
    const tol = (f32 ? 2e-6 : 1e-14) * scale[i] + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${what}[${i}]: native ${got[i]}, reference ${want[i]} (tolerance ${tol})`);
  }
}

/** Runs f with the native kernels switched to `isa`, restoring the default after. */
function onIsa(isa: string, f: () => void): void {
  assert.ok(setNativeIsa(isa), `this CPU reports ${isa} but the addon refused it`);
  try {
    f();
  } finally {
    setNativeIsa(info.isas[0]);
  }
}

if (info.available) {
  for (const isa of info.isas) {
    describe(`native kernels (${isa}) agree with the reference backend`, () => {
      test("every primitive's samples, float64 and float32", () =>
        onIsa(isa, () => {
          for (const name of Object.keys(prims).sort() as PrimName[])
            (prims[name] as Primitive<unknown>).samples.forEach((sample: Sample<unknown>, i) => {
              const inputs = withBackend("reference", () => sampleInputs(name, i, sample));
              compare(name, inputs, sample.params, `${name} sample ${i} float64`);
              if (inputs.some((t) => t.dtype === "float64")) compare(name, inputs.map(asFloat32), sample.params, `${name} sample ${i} float32`);
            });
        }));

      test("matmul across the GEMM blocks, tile edges and threads, float32 and float64, batched", () =>
        onIsa(isa, () => {
          for (const dtype of ["float32", "float64"] as const)
            for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [13, 1, 33], [97, 300, 130], [4, 257, 9], [130, 20, 1030], [150, 520, 70], [7, 3, 2100], [0, 4, 3], [3, 0, 4], [569, 30, 1], [37, 7, 1], [6, 64, 1], [5, 33, 1], [2, 1, 1], [1, 569, 30], [1, 300, 70], [1, 5, 3], [1, 64, 33], [1, 1000, 1], [3, 300, 1]])
              compare("matmul", [rand([m, k], dtype, m + 1), rand([k, n], dtype, n + 2)], {}, `matmul ${m}x${k}x${n} ${dtype}`);
          // Matrix-vector products load a row's tail as a whole vector: an infinity just past it stays out.
          for (const dtype of ["float32", "float64"] as const) {
            const a = withBackend("reference", () => rand([9, 21], dtype, 7).add(gn.tensor(Array.from({ length: 9 * 21 }, (_, i) => (i % 21 === 0 && i > 0 ? Infinity : 0)), { dtype, shape: [9, 21] })));
            compare("matmul", [a, rand([21, 1], dtype, 8, 0.5, 1)], {}, `matvec with infinities starting each next row ${dtype}`);
            // The same over blocks of sixteen short rows, which are reduced together.
            const tall = withBackend("reference", () => rand([40, 21], dtype, 11).add(gn.tensor(Array.from({ length: 40 * 21 }, (_, i) => (i % 21 === 0 && i > 0 ? Infinity : 0)), { dtype, shape: [40, 21] })));
            compare("matmul", [tall, rand([21, 1], dtype, 12, 0.5, 1)], {}, `matvec over row blocks with infinities starting each next row ${dtype}`);
            // A row times a matrix reads B's rows the same way, and so do small products in their last columns.
            compare("matmul", [rand([1, 9], dtype, 9, 0.5, 1), a], {}, `row times matrix with infinities past each row ${dtype}`);
            compare("matmul", [rand([6, 9], dtype, 10, 0.5, 1), a], {}, `small product with infinities past each row ${dtype}`);
          }
          compare("matmul", [rand([3, 17, 33]), rand([3, 33, 19], "float32", 2)], {}, "batched matmul");
        }));

      test("matmul reads lazy transposes of either or both operands in place, batched", () =>
        onIsa(isa, () => {
          for (const dtype of ["float32", "float64"] as const)
            for (const [m, k, n] of [[97, 300, 130], [128, 784, 40], [5, 1000, 7], [150, 64, 520], [1, 4096, 3], [130, 40, 1], [30, 569, 1], [33, 3, 1]])
              for (const [ta, tb] of [[true, false], [false, true], [true, true]]) {
                const a = rand(ta ? [k, m] : [m, k], dtype, m + k);
                const b = rand(tb ? [n, k] : [k, n], dtype, n + 3);
                checkTransposedMatmul(a, b, ta, tb, `${ta ? "A^T" : "A"} ${tb ? "B^T" : "B"} ${m}x${k}x${n} ${dtype}`);
              }
          checkTransposedMatmul(rand([3, 70, 60]), rand([3, 50, 70], "float32", 2), true, true, "batched A^T B^T");
          // A batched matrix-vector product whose vectors are a lazy transpose: one column each, not the base's rows.
          const [mats, vecs] = [rand([64, 5, 64], "float32", 3), rand([64, 64], "float32", 4)];
          const want = withBackend("reference", () => bind("matmul", [mats, vecs.transpose()], {}).toTypedArray());
          const got = withBackend("native", () => {
            const v = ownedTranspose(vecs);
            assert.ok(v._data instanceof TransposedView, "the vectors are a lazy transpose");
            return bind("matmul", [gn.tensor(mats), v], {}).toTypedArray();
          });
          for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4, `batched matrix-vector with transposed vectors [${i}]: ${got[i]} vs ${want[i]}`);
        }));

      test("elementwise: every broadcasting pattern, long vectors split over threads, SIMD tails", () =>
        onIsa(isa, () => {
          const shapes: [number[], number[]][] = [[[1001], [1001]], [[37, 41], [41]], [[37, 41], [37, 1]], [[5, 1, 7], [1, 6, 1]], [[], [300]], [[300], []], [[2, 3, 4, 5], [3, 1, 5]]];
          // Long runs are split over the pool by code shared by every instruction set: one set tests it.
          if (isa === info.isas[0]) shapes.push([[140001], [140001]], [[140001], []]);
          for (const dtype of ["float32", "float64"] as const)
            for (const [sa, sb] of shapes)
              for (const op of ["add", "sub", "mul", "div", "maximum", "minimum", "less", "equal", "greaterEqual"] as PrimName[])
                compare(op, [rand(sa, dtype, 3), rand(sb, dtype, 4, 0.5, 2)], {}, `${op} [${sa}] [${sb}] ${dtype}`);
          for (const dtype of ["float32", "float64"] as const)
            for (const op of ["neg", "abs", "sqrt", "reciprocal", "relu", "exp", "log", "log1p", "expm1", "tanh", "sigmoid", "softplus", "floor", "ceil", "round", "sign", "sin", "cos", "tan", "erf"] as PrimName[]) {
              const positive = ["sqrt", "log", "reciprocal"].includes(op);
              for (const n of isa === info.isas[0] && ["exp", "tanh", "relu"].includes(op) ? [1027, 140001] : [1027]) compare(op, [rand([n], dtype, 5, positive ? 0.01 : -10, 10)], {}, `${op} n=${n} ${dtype}`);
            }
          const cond = withBackend("reference", () => rand([6, 1, 9], "float32", 8).greater(0));
          compare("where", [cond, rand([6, 5, 9], "float64", 9), rand([9], "float64", 10)], {}, "where broadcast");
          for (const from of ["float32", "float64", "int32", "bool"] as const)
            for (const to of ["float32", "float64", "int32", "bool"] as const) {
              const x = withBackend("reference", () => gn.tensor([0, -0.5, 2.7, -3e9, 5e9, NaN, Infinity, -1, 1e10], { dtype: "float64" }).astype(from));
              compare("cast", [x], { dtype: to }, `cast ${from} -> ${to}`);
            }
        }));

      test("reductions over every axis combination, and long rows split over threads", () =>
        onIsa(isa, () => {
          const axesList = [[], [0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]];
          for (const dtype of ["float32", "float64"] as const)
            for (const op of ["sum", "max", "min", "prod"] as PrimName[])
              for (const axes of axesList) compare(op, [rand([13, 7, 33], dtype, 6, 0.5, 1.5)], { axes, keepdims: false }, `${op} axes [${axes}] ${dtype}`);
          if (isa === info.isas[0]) {
            compare("sum", [rand([600, 700], "float32", 7)], { axes: [1], keepdims: false }, "sum of long rows");
            compare("max", [rand([600, 700], "float64", 7)], { axes: [0], keepdims: true }, "max down columns");
          }
          const withNaN = withBackend("reference", () => gn.tensor([[1, NaN, 3], [4, 5, -Infinity]], { dtype: "float32" }));
          for (const op of ["max", "min", "sum"] as PrimName[]) for (const axes of [[0], [1]]) compare(op, [withNaN], { axes, keepdims: false }, `${op} with NaN axes [${axes}]`);
        }));

      test("movement: transpose, broadcast, slice, pad, concat, flip, every dtype", () =>
        onIsa(isa, () => {
          for (const dtype of ["float32", "float64", "int32", "bool"] as const) {
            const x = withBackend("reference", () => rand([6, 35, 17], "float32", 7).mul(3).astype(dtype));
            compare("transpose", [x], { perm: [0, 2, 1] }, `transpose last two ${dtype}`);
            compare("transpose", [x], { perm: [2, 0, 1] }, `transpose 2,0,1 ${dtype}`);
            compare("broadcastTo", [x], { shape: [2, 6, 35, 17] }, `broadcast ${dtype}`);
            compare("slice", [x], { begin: [1, 2, 3], step: [2, 3, 1], size: [3, 11, 14] }, `slice ${dtype}`);
            compare("pad", [x], { lo: [1, 0, 2], hi: [0, 3, 1], interior: [0, 1, 0], value: 1 }, `pad ${dtype}`);
            compare("concat", [x, x], { axis: 1 }, `concat ${dtype}`);
            compare("flip", [x], { axes: [0, 2] }, `flip ${dtype}`);
          }
        }));

      test("convolutions: stride, dilation, asymmetric padding, groups, 1x1, banded large images, batches over threads", () =>
        onIsa(isa, () => {
          const cases: { x: number[]; w: number[]; stride: [number, number]; padding: [[number, number], [number, number]]; dilation: [number, number]; groups: number }[] = [
            { x: [2, 3, 9, 8], w: [4, 3, 3, 3], stride: [1, 1], padding: [[1, 1], [1, 1]], dilation: [1, 1], groups: 1 },
            { x: [3, 4, 11, 10], w: [6, 2, 3, 2], stride: [2, 3], padding: [[0, 2], [1, 0]], dilation: [1, 2], groups: 2 },
            { x: [5, 2, 7, 7], w: [3, 2, 1, 1], stride: [1, 1], padding: [[0, 0], [0, 0]], dilation: [1, 1], groups: 1 },
            { x: [9, 1, 12, 12], w: [8, 1, 3, 3], stride: [1, 1], padding: [[1, 1], [1, 1]], dilation: [2, 2], groups: 1 },
            // One output channel: the forward product is a row times a matrix (the gemvt kernel).
            { x: [2, 3, 9, 8], w: [1, 3, 3, 3], stride: [1, 1], padding: [[1, 1], [1, 1]], dilation: [1, 1], groups: 1 },
          ];
          // Images whose columns exceed one band (native/node/src/conv.c): banding is shared code too.
          if (isa === info.isas[0]) cases.push({ x: [1, 4, 200, 190], w: [2, 4, 3, 3], stride: [1, 1], padding: [[1, 1], [1, 1]], dilation: [1, 1], groups: 1 });
          for (const dtype of ["float32", "float64"] as const)
            for (const c of cases) {
              const p = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
              const x = rand(c.x, dtype, 21);
              const w = rand(c.w, dtype, 22);
              const y = withBackend("reference", () => bind("conv2d", [x, w], p));
              const what = `x [${c.x}] w [${c.w}] ${JSON.stringify(p)} ${dtype}`;
              compare("conv2d", [x, w], p, `conv2d ${what}`);
              const g = rand([...y.shape], dtype, 23);
              compare("conv2dGradInput", [g, w], { ...p, inputShape: c.x }, `conv2dGradInput ${what}`);
              compare("conv2dGradFilter", [x, g], { ...p, filterShape: c.w }, `conv2dGradFilter ${what}`);
            }
        }));

      test("max pooling: window argmax with stride, dilation and NaN; its gather and scatter", () =>
        onIsa(isa, () => {
          const x = withBackend("reference", () => rand([3, 4, 9, 10], "float32", 31).mul(rand([3, 4, 9, 10], "float32", 32).greater(-1.8).astype("float32").log().neg().exp().reciprocal()));
          for (const p of [{ kernelSize: [2, 2], stride: [2, 2], dilation: [1, 1] }, { kernelSize: [3, 2], stride: [1, 2], dilation: [2, 1] }])
            compare("maxPool2dArgmax", [x], p, `maxPool2dArgmax ${JSON.stringify(p)} (with NaN)`);
          // Many ties (the first maximum wins), infinities, an odd width (vector body and tail of the 2x2 path).
          const ties = withBackend("reference", () => gn.where(rand([2, 3, 11, 19], "float32", 36).greater(1.8), gn.tensor(Infinity, { dtype: "float32" }), gn.round(rand([2, 3, 11, 19], "float32", 35).mul(1.5))));
          compare("maxPool2dArgmax", [ties], { kernelSize: [2, 2], stride: [2, 2], dilation: [1, 1] }, "maxPool2dArgmax 2x2 with ties and infinities");
          const idx = withBackend("reference", () => gn.tensor([[2, 0, 1, 1], [0, 0, 2, -1]], { dtype: "int32" }));
          const src = rand([2, 3], "float64", 33);
          compare("takeAlongAxis", [src, idx], { axis: 1 }, "takeAlongAxis with a negative index");
          compare("scatterAddAlongAxis", [idx, rand([2, 4], "float64", 34)], { axis: 1, dimSize: 3 }, "scatterAddAlongAxis");
          const bad = withBackend("reference", () => gn.tensor([[3]], { dtype: "int32" }));
          const refError = (() => {
            try {
              withBackend("reference", () => bind("takeAlongAxis", [src, bad], { axis: 1 }));
            } catch (e) {
              return (e as Error).message;
            }
            return "";
          })();
          assert.ok(refError.length > 0);
          assert.throws(() => withBackend("native", () => bind("takeAlongAxis", [on("native", src), on("native", bad)], { axis: 1 })), { message: refError });
        }));

      test("logSoftmax: long rows over vector tails, every axis, both float types", () =>
        onIsa(isa, () => {
          for (const dtype of ["float32", "float64"] as const) {
            compare("logSoftmax", [rand([50, 37], dtype, 21, -30, 30)], { axis: 1 }, `logSoftmax rows of 37 ${dtype}`);
            compare("logSoftmax", [rand([3, 1000], dtype, 22, -5, 5)], { axis: 1 }, `logSoftmax rows of 1000 ${dtype}`);
            compare("logSoftmax", [rand([7, 5, 3], dtype, 23)], { axis: 1 }, `logSoftmax middle axis ${dtype}`);
            compare("logSoftmax", [rand([7, 5, 3], dtype, 24)], { axis: 0 }, `logSoftmax first axis ${dtype}`);
          }
        }));

      test("the trace's norms and inner product in one pass agree with three dot products", () =>
        onIsa(isa, () => {
          for (const dtype of ["float32", "float64"] as const)
            for (const n of [1, 31, 1024, 5003]) {
              const [a, b] = [rand([n], dtype, 31), rand([n], dtype, 32)];
              const want = withBackend("reference", () => [a.mul(a).sum().item(), b.mul(b).sum().item(), a.mul(b).sum().item()]);
              const got = withBackend("native", () => fusedNormsAndDot(on("native", a), on("native", b)));
              assert.ok(got !== null, "the native backend offers the fused kernel");
              for (let k = 0; k < 3; k++) assert.ok(Math.abs(got[k] - want[k]) <= (dtype === "float32" ? 1e-5 : 1e-12) * (Math.abs(want[k]) + n), `${dtype} n=${n} [${k}]: ${got[k]} vs ${want[k]}`);
            }
          const withNaN = withBackend("native", () => fusedNormsAndDot(gn.tensor([1, NaN, 2]), gn.tensor([1, 1, 1])));
          assert.ok(withNaN !== null && Number.isNaN(withNaN[0]) && withNaN[1] === 3 && Number.isNaN(withNaN[2]), "NaN enters a.a and a.b only");
        }));

      test("float32 special values: NaN, infinities, signed zeros, subnormals, overflow edges", () =>
        onIsa(isa, () => {
          const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-40, 1.17549435e-38, 1e-30, 0.5, 1, -1, 88.7, 88.72, 89, -87.3, -103, -104, -110, 1e30, 3.4e38, -3.4e38, 20, -20, 0.625, -0.625, 0.6249, 1e-8, -1e-8, 2.5, -2.5];
          const x = withBackend("reference", () => gn.tensor(specials, { dtype: "float32" }));
          for (const op of ["exp", "log", "log1p", "expm1", "tanh", "sigmoid", "softplus", "sqrt", "relu", "sign", "abs", "reciprocal", "round", "floor", "ceil", "neg"] as PrimName[]) {
            const ref = withBackend("reference", () => bind(op, [x], {} as never).toTypedArray());
            const got = withBackend("native", () => bind(op, [on("native", x)], {} as never).toTypedArray());
            for (let i = 0; i < specials.length; i++) {
              const w = ref[i];
              const g = got[i];
              const what = `${op}(${specials[i]}): native ${g}, reference ${w}`;
              if (Number.isNaN(w)) assert.ok(Number.isNaN(g), what);
              else if (!Number.isFinite(w) || w === 0) assert.ok(Object.is(g, w), what);
              else if (Math.abs(w) < 1.2e-38) assert.ok(Math.abs(g - w) <= 2e-44, what); // subnormal results: absolute
              else assert.ok(Math.abs(g - w) <= 3e-7 * Math.abs(w), what);
            }
          }
        }));

      test("fused Adam step equals the unfused ops bit for bit (float32 and float64, L2, decoupled decay, AMSGrad)", () =>
        onIsa(isa, () => {
          for (const dtype of ["float32", "float64"] as const)
            for (const n of isa === info.isas[0] ? [5, 3000, 140001] : [5, 3000]) {
                const [g, p, m, v, vmax] = [rand([n], dtype, 11), rand([n], dtype, 12), rand([n], dtype, 13), rand([n], dtype, 14, 0, 1), rand([n], dtype, 15, 0, 1)].map((t) => on("native", t));
                withBackend("native", () => {
                  const c = { b1: 0.9, b2: 0.999, eps: 1e-8, stepScale: -1e-3 / (1 - 0.9 ** 3), bc2Sqrt: Math.sqrt(1 - 0.999 ** 3), l2: 0.01, decoupled: 0.002 };
                  const fused = fusedAdamLeaf(g, p, m, v, vmax, c);
                  assert.ok(fused !== null, "the native backend offers the fused step");
                  const gg = g.add(p.mul(c.l2));
                  const m1 = m.mul(c.b1).add(gg.mul(1 - c.b1));
                  const v1 = v.mul(c.b2).add(gg.mul(gg).mul(1 - c.b2));
                  const vm1 = gn.maximum(vmax, v1);
                  const u = m1.div(vm1.sqrt().div(c.bc2Sqrt).add(c.eps)).mul(c.stepScale).sub(p.mul(c.decoupled));
                  const want = [u, m1, v1, vm1];
                  fused.forEach((t, i) => assert.deepEqual(t!.toTypedArray(), want[i].toTypedArray(), `adam ${dtype} n=${n} output ${i}`));
                });
              }
        }));
    });
  }

  test("one thread and the whole pool give the same matmul, bit for bit", () => {
    const a = rand([300, 400], "float32", 41);
    const b = rand([400, 350], "float32", 42);
    const run = () => withBackend("native", () => gn.matmul(on("native", a), on("native", b)).toTypedArray());
    const before = gn.nativeInfo().threads;
    try {
      gn.setNativeThreads(1);
      assert.equal(gn.nativeInfo().threads, 1);
      const one = run();
      gn.setNativeThreads(0);
      assert.ok(gn.nativeInfo().threads >= 1);
      assert.deepEqual(run(), one);
    } finally {
      gn.setNativeThreads(before);
    }
    assert.throws(() => gn.setNativeThreads(-1), /setNativeThreads: expected an integer >= 0, got -1/);
  });

  test("every primitive has a native entry: a kernel, or a listed fallback with its reason", () => {
    const { native, fallback } = gn.listNativeKernels();
    assert.equal(native.length + fallback.length, Object.keys(prims).length);
    for (const f of fallback) assert.ok(f.reason.length > 10, `${f.prim} needs a reason`);
    for (const hot of ["add", "mul", "exp", "sum", "max", "matmul", "transpose", "broadcastTo", "where", "cast", "conv2d", "conv2dGradInput", "conv2dGradFilter", "maxPool2dArgmax"])
      assert.ok(native.includes(hot as PrimName), hot);
  });

  test("native storage is a typed array the kernels read in place; reads return a fresh copy", () => {
    withBackend("native", () => {
      const t = gn.tensor([1, 2, 3], { dtype: "float32" });
      assert.ok(t._data instanceof Float32Array);
      const y = t.mul(2);
      assert.ok(y._data instanceof Float32Array && y._data !== t._data);
      assert.equal(t.reshape([3, 1])._data, t._data, "reshape shares the array");
      const out = y.toTypedArray();
      out[0] = 9;
      assert.deepEqual([...y.toTypedArray()], [2, 4, 6]);
      assert.equal(gn.memoryInfo().backend, "native");
    });
  });
  test("a transpose of the user's data is computed once while the data lives, and never recycled", () => {
    const data = rand([40, 30], "float32", 51).toTypedArray();
    withBackend("native", () => {
      const x = gn.tensor(data, { shape: [40, 30] });
      const t1 = x.transpose();
      const t2 = x.transpose();
      assert.equal(t2._data, t1._data, "the second transpose reuses the first");
      const r = x.reshape([30, 40]).transpose();
      assert.notEqual(r._data, t1._data, "another shape is another transpose");
      const want = [...r.toTypedArray()];
      gn.setBackend("reference");
      assert.deepEqual(want, [...gn.tensor(data, { shape: [30, 40] }).transpose().toTypedArray()]);
      gn.setBackend("native");
      const before = t1.toTypedArray();
      t1.dispose();
      t2.dispose();
      x.add(1).transpose().dispose(); // an owned source is not cached; its transpose is recycled
      const t3 = x.transpose();
      assert.deepEqual(t3.toTypedArray(), before, "a cached transpose is never recycled under the cache");
    });
  });

  test("a lazy transpose keeps its base while it lives; other ops, reads and reshapes see a copy", () => {
    const data = rand([96, 64], "float32", 61);
    const want = withBackend("reference", () => data.transpose().toTypedArray());
    withBackend("native", () => {
      const base = gn.tensor(data).mul(1);
      const t = base.transpose();
      assert.ok(t._data instanceof TransposedView);
      assert.deepEqual(t.shape, [64, 96]);
      base.dispose();
      for (let i = 0; i < 3; i++) gn.ones([96, 64]).mul(2); // outputs of the base's size: none may take its array
      assert.deepEqual(t.toTypedArray(), want, "the base is not recycled while the view lives");
      assert.deepEqual(t.add(0).toTypedArray(), want, "an elementwise op reads the copy");
      assert.deepEqual(t.reshape([96 * 64]).toTypedArray(), want, "a reshape of the view");
      const back = t.transpose();
      assert.ok(back._data instanceof Float32Array, "transposing a view back gives its base");
      assert.deepEqual(back.toTypedArray(), data.toTypedArray());
      const recycled = gn.memoryInfo().recycled as number;
      t.dispose();
      back.dispose();
      assert.ok((gn.memoryInfo().recycled as number) >= recycled + 1, "the base is recycled once the view and its other holders are gone");
    });
  });

  test("arrays of disposed tensors are reused; an array a reshape shares only after both are disposed", () => {
    withBackend("native", () => {
      const x = gn.ones([64, 64]);
      const a = x.mul(2);
      const b = a.reshape([4096]);
      const c = x.add(3);
      const cArray = c._data;
      const recycled = gn.memoryInfo().recycled as number;
      c.dispose();
      assert.equal(gn.memoryInfo().recycled, recycled + 1, "a disposed output goes back to the free list");
      const d = x.add(4);
      assert.equal(d._data, cArray, "the next output of that size reuses it");
      assert.deepEqual([...d.toTypedArray().slice(0, 3)], [5, 5, 5]);
      a.dispose();
      assert.equal(gn.memoryInfo().recycled, recycled + 1, "an array another tensor still holds is not recycled");
      const e = x.add(5);
      assert.notEqual(e._data, b._data);
      assert.equal(b.sum().item(), 2 * 4096, "the reshaped tensor keeps its values");
      const bArray = b._data;
      b.dispose();
      assert.equal(gn.memoryInfo().recycled, recycled + 2, "recycled once its last holder is disposed");
      assert.equal(x.add(6)._data, bArray);
      const user = new Float32Array(4096).fill(1);
      const u = gn.tensor(user, { shape: [64, 64] });
      const before = gn.memoryInfo().recycled;
      u.dispose();
      assert.equal(gn.memoryInfo().recycled, before, "arrays from the user are never recycled");
      const p = gn.pad(gn.ones([60, 60]).mul(7), [[2, 2], [2, 2]]);
      assert.equal(p.sum().item(), 7 * 3600, "pad fills a recycled array's border with its value");
    });
  });
}

/** Runs a script that imports gradnav with the given environment; returns its stdout and stderr. */
function runWith(env: Record<string, string>, script: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", `import * as gn from ${JSON.stringify(indexJs)};\n${script}`], {
    env: { ...process.env, GRADNAV_BACKEND: "", GRADNAV_NATIVE: "", GRADNAV_NATIVE_PATH: "", ...env },
    encoding: "utf8",
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

if (info.available)
  test("GRADNAV_NATIVE_ISA picks the instruction set; one the CPU lacks gets a warning and the default", () => {
    const script = `console.log(gn.nativeInfo().isa); gn.setBackend("native"); console.log(gn.matmul(gn.ones([20, 20]), gn.ones([20, 20])).sum().item());`;
    const last = info.isas[info.isas.length - 1];
    const picked = runWith({ GRADNAV_NATIVE_ISA: last }, script);
    assert.equal(picked.status, 0, picked.stderr);
    assert.deepEqual(picked.stdout.trim().split("\n"), [last, "8000"]);
    assert.doesNotMatch(picked.stderr, /GRADNAV_NATIVE_ISA/);
    const unknown = runWith({ GRADNAV_NATIVE_ISA: "sse9" }, script);
    assert.equal(unknown.status, 0, unknown.stderr);
    assert.equal(unknown.stdout.trim().split("\n")[0], info.isas[0]);
    assert.equal(unknown.stderr.match(/GRADNAV_NATIVE_ISA=sse9 is not an instruction set this CPU runs/g)?.length, 1, unknown.stderr);
  });

describe("without the addon gradnav runs on the wasm backend and says so once", () => {
  const script = `gn.setBackend("native"); gn.setBackend("native"); console.log(gn.getBackend().name, gn.listBackends().join(","), gn.tensor([1, 2]).add(1).sum().item());`;
  test("setBackend('native') and GRADNAV_BACKEND=native with GRADNAV_NATIVE=0", () => {
    const r = runWith({ GRADNAV_NATIVE: "0", GRADNAV_BACKEND: "native" }, script);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "wasm wasm,reference 5");
    const warnings = r.stderr.split("\n").filter((l) => l.includes("native backend is not available"));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0], /GRADNAV_NATIVE=0/);
  });
  test("an addon file that fails to load is reported once, unasked", () => {
    const r = runWith({ GRADNAV_NATIVE_PATH: fileURLToPath(new URL("../../package.json", import.meta.url)) }, `console.log(gn.getBackend().name, gn.nativeInfo().available);`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "wasm false");
    assert.equal(r.stderr.split("\n").filter((l) => l.includes("native backend could not start")).length, 1, r.stderr);
  });
  test("no warning when the native backend is neither asked for nor broken", () => {
    const r = runWith({ GRADNAV_NATIVE: "0" }, `console.log(gn.getBackend().name);`);
    assert.equal(r.stdout.trim(), "wasm");
    assert.doesNotMatch(r.stderr, /native/);
  });
  test("an unknown backend name still throws", () => {
    assert.throws(() => gn.setBackend("tpu"), /setBackend: no backend named "tpu"/);
  });
});
