/**
 * The wasm backend against the reference backend: every primitive's samples in float64 and float32,
 * with small tensors (typed arrays) and with every tensor in the wasm heap; larger shapes that reach
 * the SIMD tails and the GEMM blocking; float32 special values; the allocator; memory release.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";
import { prims, type PrimName } from "../src/ops/prims/index.js";
import { bind } from "../src/engine/trace.js";
import type { Primitive, Sample } from "../src/engine/primitive.js";
import { sampleInputs } from "../src/testing/samples.js";
import { setSmallTensorBytes } from "../src/backends/wasm/context.js";
import { classOf, classSize } from "../src/backends/wasm/memory.js";
import { listWasmKernels } from "../src/backends/wasm/index.js";
import { fusedAdamLeaf } from "../src/backends/fused.js";

/** Tolerances of wasm against the reference: float64 differs only by summation order; float32 by ~2 ulp (SIMD exp/log/tanh) and order. */
function tol(dtype: gn.DType): { rtol: number; atol: number } {
  return dtype === "float32" ? { rtol: 3e-6, atol: 1e-6 } : dtype === "float64" ? { rtol: 1e-12, atol: 1e-14 } : { rtol: 0, atol: 0 };
}

function assertAgree(got: ArrayLike<number>, want: ArrayLike<number>, dtype: gn.DType, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const { rtol, atol } = tol(dtype);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w)) assert.ok(Number.isNaN(g), `${what}[${i}]: wasm ${g}, reference NaN`);
    else if (!Number.isFinite(w)) assert.equal(g, w, `${what}[${i}]`);
    else assert.ok(Math.abs(g - w) <= atol + rtol * Math.abs(w), `${what}[${i}]: wasm ${g}, reference ${w} (rtol ${rtol}, atol ${atol})`);
  }
}

function on(backend: string, t: gn.Tensor): gn.Tensor {
  gn.setBackend(backend);
  return gn.tensor(t);
}

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

/** Runs prim on the reference and the wasm backend (inputs copied to each) and compares. */
function compare(name: PrimName, inputs: gn.Tensor[], params: unknown, what: string): void {
  const ref = withBackend("reference", () => bind(name, inputs.map((t) => on("reference", t)), params as never));
  const got = withBackend("wasm", () => bind(name, inputs.map((t) => on("wasm", t)), params as never));
  assert.deepEqual(got.shape, ref.shape, `${what}: shape`);
  assert.equal(got.dtype, ref.dtype, `${what}: dtype`);
  assertAgree(withBackend("wasm", () => got.toTypedArray()), ref.toTypedArray(), ref.dtype, what);
}

function asFloat32(t: gn.Tensor): gn.Tensor {
  return t.dtype === "float64" ? withBackend("reference", () => t.astype("float32")) : t;
}

describe("every primitive's samples agree with the reference backend", () => {
  for (const [label, threshold] of [["small tensors as typed arrays", 1024], ["every tensor in the wasm heap", -1]] as const) {
    for (const name of Object.keys(prims).sort() as PrimName[]) {
      test(`${name} (${label})`, () => {
        const old = setSmallTensorBytes(threshold);
        try {
          (prims[name] as Primitive<unknown>).samples.forEach((sample: Sample<unknown>, i) => {
            const inputs = withBackend("reference", () => sampleInputs(name, i, sample));
            compare(name, inputs, sample.params, `${name} sample ${i} float64`);
            if (inputs.some((t) => t.dtype === "float64")) compare(name, inputs.map(asFloat32), sample.params, `${name} sample ${i} float32`);
          });
        } finally {
          setSmallTensorBytes(old);
        }
      });
    }
  }
});

function rand(shape: number[], dtype: gn.DType = "float32", seed = 1, lo = -2, hi = 2): gn.Tensor {
  return withBackend("reference", () => gn.random.uniform(gn.random.key(seed), shape, { dtype, minval: lo, maxval: hi } as never));
}

describe("larger shapes (SIMD tails, blocking, broadcasting)", () => {
  test("matmul across the GEMM block sizes, float32 and float64, batched", () => {
    for (const dtype of ["float32", "float64"] as const)
      for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [97, 300, 130], [4, 257, 9], [130, 20, 1030], [569, 30, 1], [37, 7, 1], [6, 64, 1], [16, 600, 36], [7, 300, 20], [20, 40, 12]]) {
        compare("matmul", [rand([m, k], dtype, m), rand([k, n], dtype, n)], {}, `matmul ${m}x${k}x${n} ${dtype}`);
      }
    compare("matmul", [rand([3, 17, 33]), rand([3, 33, 19], "float32", 2)], {}, "batched matmul");
  });
  test("binary ops with every broadcasting pattern", () => {
    const shapes: [number[], number[]][] = [[[1001], [1001]], [[37, 41], [41]], [[37, 41], [37, 1]], [[5, 1, 7], [1, 6, 1]], [[], [300]], [[300], []], [[2, 3, 4, 5], [3, 1, 5]]];
    for (const dtype of ["float32", "float64"] as const)
      for (const [sa, sb] of shapes)
        for (const op of ["add", "sub", "mul", "div", "maximum", "minimum", "less", "equal"] as PrimName[])
          compare(op, [rand(sa, dtype, 3), rand(sb, dtype, 4, 0.5, 2)], {}, `${op} [${sa}] [${sb}] ${dtype}`);
  });
  test("comparisons, where and cast over long runs: vector paths, tails, scalars on either side, NaN", () => {
    // Repeating values (so that == and <= see ties), NaN every 7th element, infinities.
    const values = (n: number, shift: number, dtype: gn.DType) =>
      withBackend("reference", () =>
        gn.tensor(Array.from({ length: n }, (_, i) => (i % 7 === shift ? NaN : i % 13 === shift ? Infinity : ((i * 37 + shift) % 11) - 5)), { dtype }));
    const shaped = (shape: number[], shift: number, dtype: gn.DType) => {
      const t = values(shape.reduce((x, y) => x * y, 1), shift, dtype);
      return withBackend("reference", () => t.reshape(shape));
    };
    const shapes: [number[], number[]][] = [[[1003], [1003]], [[1003], []], [[], [1003]], [[37, 41], [41]], [[37, 41], [37, 1]], [[5, 1, 35], [1, 6, 1]], [[15], [15]]];
    const old = setSmallTensorBytes(-1); // every operand through the kernels
    try {
      for (const dtype of ["float32", "float64", "int32"] as const)
        for (const [sa, sb] of shapes) {
          const a = shaped(sa, 1, dtype);
          const b = shaped(sb, 3, dtype);
          for (const op of ["equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual"] as PrimName[]) compare(op, [a, b], {}, `${op} [${sa}] [${sb}] ${dtype}`);
          for (const dt of ["float32", "float64", "int32", "bool"] as const) compare("cast", [a], { dtype: dt }, `cast [${sa}] ${dtype} -> ${dt}`);
        }
      for (const dtype of ["float32", "float64", "int32", "bool"] as const) {
        const cond = withBackend("reference", () => gn.greater(shaped([37, 41], 2, "float32"), 0));
        for (const [sx, sy] of [[[37, 41], [37, 41]], [[37, 41], []], [[], [37, 41]], [[41], [37, 1]]]) {
          const x = withBackend("reference", () => shaped(sx, 1, "float32").astype(dtype));
          const y = withBackend("reference", () => shaped(sy, 4, "float32").astype(dtype));
          compare("where", [cond, x, y], {}, `where [${sx}] [${sy}] ${dtype}`);
        }
        compare("cast", [cond], { dtype }, `cast bool -> ${dtype}`);
      }
    } finally {
      setSmallTensorBytes(old);
    }
  });
  test("arithmetic on small operands (computed in JavaScript) gives the SIMD kernel's values", () => {
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-45, 1e-40, 3.4e38, -1.5, 0.1, 7, 1 / 3];
    for (const dtype of ["float32", "float64"] as const)
      for (const [sa, sb] of [[[12], [12]], [[], [12]], [[12], []], [[], []], [[3, 4], [3, 4]]] as number[][][]) {
        const a = withBackend("reference", () => gn.tensor(specials, { dtype }).reshape([12]).slice([0], [sa.reduce((x, y) => x * y, 1)]).reshape(sa));
        const b = withBackend("reference", () => gn.tensor(specials.slice().reverse(), { dtype }).slice([0], [sb.reduce((x, y) => x * y, 1)]).reshape(sb));
        for (const op of ["add", "sub", "mul", "div"] as PrimName[]) {
          const run = (threshold: number) => {
            const old = setSmallTensorBytes(threshold);
            try {
              return withBackend("wasm", () => bind(op, [on("wasm", a), on("wasm", b)], {} as never).toTypedArray());
            } finally {
              setSmallTensorBytes(old);
            }
          };
          const js = run(1024);
          const kernel = run(-1);
          // Same values to the bit (Object.is tells -0 from 0), NaN payloads aside.
          for (let i = 0; i < kernel.length; i++) assert.ok(Object.is(js[i], kernel[i]), `${op} [${sa}] [${sb}] ${dtype} [${i}]: JavaScript ${js[i]}, kernel ${kernel[i]}`);
        }
      }
  });
  test("unary maps over long vectors", () => {
    for (const dtype of ["float32", "float64"] as const)
      for (const op of ["neg", "abs", "sqrt", "reciprocal", "relu", "exp", "log", "log1p", "expm1", "tanh", "sigmoid", "softplus", "floor", "ceil", "round", "sign", "sin", "erf"] as PrimName[]) {
        const positive = ["sqrt", "log", "reciprocal"].includes(op);
        compare(op, [rand([1027], dtype, 5, positive ? 0.01 : -10, 10)], {}, `${op} ${dtype}`);
      }
  });
  test("reductions over every axis combination of a 3-d tensor", () => {
    const axesList = [[], [0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]];
    for (const dtype of ["float32", "float64"] as const)
      for (const op of ["sum", "max", "min", "prod"] as PrimName[])
        for (const axes of axesList) compare(op, [rand([13, 7, 33], dtype, 6, 0.5, 1.5)], { axes, keepdims: false }, `${op} axes [${axes}] ${dtype}`);
  });
  test("movement: transpose, broadcast, slice, pad, concat, flip", () => {
    for (const dtype of ["float32", "float64", "int32", "bool"] as const) {
      const x = withBackend("reference", () => rand([6, 35, 17], "float32", 7).mul(3).astype(dtype));
      compare("transpose", [x], { perm: [0, 2, 1] }, `transpose last two ${dtype}`);
      compare("transpose", [x], { perm: [2, 0, 1] }, `transpose 2,0,1 ${dtype}`);
      compare("broadcastTo", [x], { shape: [2, 6, 35, 17] }, `broadcast ${dtype}`);
      // One element (a fill): 0-d and [1, 1], into small and heap outputs, from small and heap storage.
      const ones = withBackend("reference", () => [x.slice([4, 7, 9], [5, 8, 10]).reshape([]), x.slice([1, 2, 3], [2, 3, 4]).reshape([1, 1])]);
      for (const threshold of [64, -1]) {
        const old = setSmallTensorBytes(threshold);
        try {
          for (const one of ones)
            for (const shape of [[3, 1], [2, 5, 7], [1, 300]]) compare("broadcastTo", [one], { shape }, `broadcast one ${dtype} [${one.shape}] to [${shape}], small bytes ${threshold}`);
        } finally {
          setSmallTensorBytes(old);
        }
      }
      compare("slice", [x], { begin: [1, 2, 3], step: [2, 3, 1], size: [3, 11, 14] }, `slice ${dtype}`);
      compare("pad", [x], { lo: [1, 0, 2], hi: [0, 3, 1], interior: [0, 1, 0], value: 1 }, `pad ${dtype}`);
      compare("concat", [x, x], { axis: 1 }, `concat ${dtype}`);
      compare("flip", [x], { axes: [0, 2] }, `flip ${dtype}`);
      compare("cast", [x], { dtype: "float32" }, `cast ${dtype}`);
    }
  });
});

test("float32 special values match the reference (NaN, infinities, signed zeros, subnormals, extremes)", () => {
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-40, 1.17549435e-38, 1e-30, 0.5, 1, -1, 88.7, 89, -87.3, -103, -104, 1e30, 3.4e38, -3.4e38, 20, -20, 0.625, -0.625, 1e-8, -1e-8];
  const x = withBackend("reference", () => gn.tensor(specials, { dtype: "float32" }));
  for (const op of ["exp", "log", "log1p", "expm1", "tanh", "sigmoid", "softplus", "sqrt", "relu", "sign", "abs", "reciprocal", "round"] as PrimName[]) {
    const ref = withBackend("reference", () => bind(op, [x], {} as never).toTypedArray());
    const got = withBackend("wasm", () => bind(op, [on("wasm", x)], {} as never).toTypedArray());
    for (let i = 0; i < specials.length; i++) {
      const w = ref[i];
      const g = got[i];
      const what = `${op}(${specials[i]}): wasm ${g}, reference ${w}`;
      if (Number.isNaN(w)) assert.ok(Number.isNaN(g), what);
      else if (!Number.isFinite(w) || w === 0) assert.equal(g, w, what);
      else if (Math.abs(w) < 1.2e-38) assert.ok(Math.abs(g - w) <= 2e-44, what); // subnormal results: absolute
      else assert.ok(Math.abs(g - w) <= 3e-7 * Math.abs(w), what);
    }
  }
});

describe("allocator", () => {
  test("size classes cover every size with bounded waste", () => {
    for (let b = 1; b < 1 << 22; b = Math.ceil(b * 1.37) + 1) {
      const c = classOf(b);
      assert.ok(classSize(c) >= b, `class ${c} of ${b} bytes holds ${classSize(c)}`);
      assert.ok(c === 0 || classSize(c - 1) < b, `${b} bytes: a smaller class would do`);
      assert.ok(classSize(c) <= Math.max(16, b * 1.126 + 16), `${b} bytes waste too much in class ${c}`);
      assert.equal(classSize(c) % 16, 0);
    }
  });
  test("dispose frees at once; a reshape shares storage and keeps it alive", () => {
    withBackend("wasm", () => {
      const before = gn.memoryInfo().bytesInUse as number;
      const x = gn.ones([512, 64]);
      const y = x.reshape([64, 512]);
      const during = gn.memoryInfo().bytesInUse as number;
      assert.ok(during >= before + 512 * 64 * 4);
      x.dispose();
      assert.equal(y.sum().item(), 512 * 64, "the reshaped tensor still reads its values");
      assert.equal(gn.memoryInfo().bytesInUse, during, "shared storage is not freed while a tensor uses it");
      y.dispose();
      assert.equal(gn.memoryInfo().bytesInUse, before);
      assert.throws(() => y.toArray(), /disposed/);
    });
  });
  test("the memory grows and views follow; dispose returns the block", () => {
    withBackend("wasm", () => {
      const before = gn.memoryInfo().bytesInUse as number;
      const big = gn.ones([6_000_000]); // 24 MB: more than the initial 16 MiB memory
      assert.equal(big.sum().item(), 6_000_000);
      assert.ok((gn.memoryInfo().memoryBytes as number) >= 24e6);
      big.dispose();
      assert.equal(gn.memoryInfo().bytesInUse, before);
    });
  });
});

test("every primitive has a wasm entry: native, or a listed fallback with its reason", () => {
  const { native, fallback } = listWasmKernels();
  assert.equal(native.length + fallback.length, Object.keys(prims).length);
  for (const f of fallback) assert.ok(f.reason.length > 10, `${f.prim} needs a reason`);
  for (const hot of ["add", "mul", "exp", "sum", "max", "matmul", "transpose", "broadcastTo", "where", "cast"]) assert.ok(native.includes(hot as PrimName), hot);
});

test("fused Adam step equals the unfused ops (float32 and float64, with L2, decoupled decay and AMSGrad)", () => {
  for (const dtype of ["float32", "float64"] as const)
    for (const n of [5, 3000]) {
      withBackend("wasm", () => {
        const g = on("wasm", rand([n], dtype, 11));
        const p = on("wasm", rand([n], dtype, 12));
        const m = on("wasm", rand([n], dtype, 13));
        const v = on("wasm", rand([n], dtype, 14, 0, 1));
        const vmax = on("wasm", rand([n], dtype, 15, 0, 1));
        const c = { b1: 0.9, b2: 0.999, eps: 1e-8, stepScale: -1e-3 / (1 - 0.9 ** 3), bc2Sqrt: Math.sqrt(1 - 0.999 ** 3), l2: 0.01, decoupled: 0.002 };
        const fused = fusedAdamLeaf(g, p, m, v, vmax, c);
        assert.ok(fused !== null);
        // The same math as src/optim's adamLeafUpdate, op by op.
        const gg = g.add(p.mul(c.l2));
        const m1 = m.mul(c.b1).add(gg.mul(1 - c.b1));
        const v1 = v.mul(c.b2).add(gg.mul(gg).mul(1 - c.b2));
        const vm1 = gn.maximum(vmax, v1);
        const u = m1.div(vm1.sqrt().div(c.bc2Sqrt).add(c.eps)).mul(c.stepScale).sub(p.mul(c.decoupled));
        const want = [u, m1, v1, vm1];
        fused.forEach((t, i) => assertAgree(t!.toTypedArray(), want[i].toTypedArray(), dtype === "float32" ? "float32" : "float64", `adam ${dtype} n=${n} output ${i}`));
      });
    }
});

/** A small MLP training step written with plain ops: valueAndGrad, then SGD. */
function mlpStep(params: gn.Tensor[], x: gn.Tensor, y: gn.Tensor): [number, gn.Tensor[], gn.Tensor[]] {
  const loss = (p: gn.Tensor[]) => {
    const h = gn.relu(x.matmul(p[0]).add(p[1]));
    return gn.takeAlongAxis(gn.logSoftmax(h.matmul(p[2]).add(p[3]), -1), y, 1).mean().neg();
  };
  const [l, g] = gn.valueAndGrad(loss)(params) as [gn.Tensor, gn.Tensor[]];
  return [l.item(), params.map((p, i) => p.sub(g[i].mul(0.1))), g];
}

function mlpData(): { x: gn.Tensor; y: gn.Tensor; params: gn.Tensor[] } {
  const k = gn.random.key(3);
  const [k1, k2, k3, k4] = gn.random.split(k, 4);
  return {
    x: gn.random.normal(k1, [64, 50]),
    y: gn.random.randint(k2, [64, 1], 0, 10),
    params: [gn.random.normal(k3, [50, 40]).mul(0.2), gn.zeros([40]), gn.random.normal(k4, [40, 10]).mul(0.2), gn.zeros([10])],
  };
}

describe("memory stays flat without the garbage collector", () => {
  test("valueAndGrad releases its intermediates when it returns (only the loss and gradients stay)", () => {
    withBackend("wasm", () => {
      const { x, y, params } = mlpData();
      const before = gn.memoryInfo().bytesInUse as number;
      const [, next, grads] = mlpStep(params, x, y);
      const held = [...next, ...grads].reduce((s, t) => s + (t.size * 4 > 1024 ? t.size * 4 : 0), 0);
      const after = gn.memoryInfo().bytesInUse as number;
      // Everything else the step made (activations, tape, cotangents, the g * lr temporaries) is gone
      // or small: allow the two eager temporaries per parameter made outside the transform.
      assert.ok(after - before <= 2 * held + 64 * 1024, `heap grew by ${after - before} bytes; results hold ${held}`);
    });
  });
  test("hvp frees the gradient it differentiates (only the product stays)", () => {
    withBackend("wasm", () => {
      const [X, w, v] = [rand([200, 40], "float32", 31), rand([40], "float32", 32), rand([40], "float32", 33)].map((t) => on("wasm", t));
      const loss = (w: gn.Tensor) => gn.softplus(gn.matmul(X, w)).mean().add(w.square().sum().mul(0.01));
      gn.hvp(loss, [w], [v]).dispose();
      const before = gn.memoryInfo().tensorBytes as number;
      for (let i = 0; i < 50; i++) gn.hvp(loss, [w], [v]).dispose();
      assert.equal(gn.memoryInfo().tensorBytes, before, "tensor bytes after 50 more HVPs");
    });
  });
  test("a synchronous training loop that disposes replaced parameters keeps bytesInUse constant", () => {
    withBackend("wasm", () => {
      let { x, y, params } = mlpData();
      const sizes: number[] = [];
      let first = 0;
      let last = 0;
      for (let step = 0; step < 60; step++) {
        const [l, next, grads] = mlpStep(params, x, y);
        if (step === 0) first = l;
        last = l;
        for (const t of [...params, ...grads]) t.dispose();
        params = next;
        sizes.push(gn.memoryInfo().bytesInUse as number);
      }
      assert.ok(last < first, `the loss fell (${first} -> ${last})`);
      const settled = sizes.slice(10);
      // The eager `g * lr` temporaries are not disposed: they wait for the collector (or a spill).
      const growth = settled[settled.length - 1] - settled[0];
      const perStepGarbage = (50 * 40 + 40 * 10) * 4;
      assert.ok(growth <= 50 * perStepGarbage + 64 * 1024, `bytesInUse grew by ${growth} over 50 steps`);
    });
  });
  test("a loop that disposes nothing stays within the heap budget (spills), and results stay right", () => {
    withBackend("wasm", () => {
      const old = gn.setWasmHeapBudget(2 * 1024 * 1024);
      try {
        let { x, y, params } = mlpData();
        const refParams = withBackend("reference", () => params.map((p) => on("reference", p)));
        let refP = refParams;
        gn.setBackend("wasm");
        const spills0 = gn.memoryInfo().spills as number;
        let peak = 0;
        for (let step = 0; step < 80; step++) {
          params = mlpStep(params, x, y)[1];
          peak = Math.max(peak, gn.memoryInfo().tensorBytes as number);
        }
        assert.ok((gn.memoryInfo().spills as number) > spills0, "the budget was reached and the heap spilled");
        assert.ok(peak <= 2 * 1024 * 1024 + 1024 * 1024, `tensorBytes peaked at ${peak}`);
        const rx = on("reference", x);
        const ry = on("reference", y);
        gn.setBackend("reference");
        for (let step = 0; step < 80; step++) refP = mlpStep(refP, rx, ry)[1];
        gn.setBackend("wasm");
        params.forEach((p, i) => assertAgree(p.toTypedArray(), refP[i].toTypedArray(), "float32", `param ${i} after 80 steps`));
      } finally {
        gn.setWasmHeapBudget(old);
      }
    });
  });
  test("nested transforms keep what an outer transform still needs", () => {
    withBackend("wasm", () => {
      const f = (x: gn.Tensor) => x.matmul(x.T).tanh().sum();
      const x = rand([40, 30], "float64", 21);
      const [, pull] = gn.vjp((z: gn.Tensor) => gn.grad(f)(z).sum(), x);
      const [g1] = pull(gn.scalar(1, "float64")) as gn.Tensor[];
      const h = gn.hvp(f, [x], [gn.onesLike(x)]) as gn.Tensor;
      assertAgree(g1.toTypedArray(), h.toTypedArray(), "float64", "vjp of grad equals hvp with a ones direction");
    });
  });
});

describe("worker threads", () => {
  test("large products split over threads give results identical to one thread", async () => {
    gn.setBackend("wasm");
    try {
      const a = on("wasm", rand([300, 200], "float32", 31));
      const b = on("wasm", rand([200, 260], "float32", 32));
      const c64 = on("wasm", rand([260, 150], "float64", 33));
      const d64 = on("wasm", rand([150, 90], "float64", 34));
      assert.equal(await gn.setWasmThreads(1), 1);
      const one = [a.matmul(b).toTypedArray(), c64.matmul(d64).toTypedArray(), b.T.matmul(a.T).toTypedArray()];
      const n = await gn.setWasmThreads(2);
      assert.equal(n, 2, "two threads where shared memory and worker_threads exist (Node)");
      assert.equal(gn.memoryInfo().threads, 2);
      const two = [a.matmul(b).toTypedArray(), c64.matmul(d64).toTypedArray(), b.T.matmul(a.T).toTypedArray()];
      one.forEach((r, i) => assert.deepEqual(two[i], r, `product ${i}`));
      compare("matmul", [a, b], {}, "threaded matmul against the reference");
    } finally {
      await gn.setWasmThreads(0);
      gn.setBackend("reference");
    }
  });
  test("without shared memory the kernels run on one thread (the single-threaded build)", async () => {
    const { Ctx } = await import("../src/backends/wasm/context.js");
    const { createRuntime } = await import("../src/backends/wasm/runtime.js");
    const c = new Ctx(createRuntime(false));
    assert.equal(c.rt.threaded, false);
    const n = 64;
    const a = c.heap.allocRaw(n * n * 4);
    const out = c.heap.allocRaw(n * n * 4);
    for (let i = 0; i < n * n; i++) c.heap.f32[(a >>> 2) + i] = (i % 7) - 3;
    c.x.gemm_f32(a, n, 1, a, n, 1, out, n, n, n, n, c.gemmWork(), 0);
    let want = 0;
    for (let p = 0; p < n; p++) want += c.heap.f32[(a >>> 2) + 5 * n + p] * c.heap.f32[(a >>> 2) + p * n + 9];
    assert.equal(c.heap.f32[(out >>> 2) + 5 * n + 9], want);
  });
});

describe("GEMM: packed and unpacked paths", () => {
  // gemm_f32/gemm_f64 pick the unpacked path for few rows or small products and pack otherwise;
  // threads split a product by rows or columns, so the parts may take different paths. Both must sum
  // every element in the same order, or results would depend on the thread count.
  for (const dtype of ["float32", "float64"] as const)
    test(`rows and columns computed by either path are bit-identical (${dtype})`, async () => {
      const { Ctx } = await import("../src/backends/wasm/context.js");
      const { createRuntime } = await import("../src/backends/wasm/runtime.js");
      const c = new Ctx(createRuntime(false));
      const es = dtype === "float32" ? 4 : 8;
      const view = () => (dtype === "float32" ? c.heap.f32 : c.heap.f64); // fresh after each allocation
      const gemm = (dtype === "float32" ? c.x.gemm_f32 : c.x.gemm_f64).bind(c.x);
      const [m, n, k] = [64, 72, 600]; // over 2^20 multiply-adds and 16 rows: packed; k spans three KC blocks
      const fill = (count: number, seed: number) => {
        const p = c.heap.allocRaw(count * es);
        for (let i = 0; i < count; i++) view()[p / es + i] = Math.sin(seed + i * 0.37) * 2;
        return p;
      };
      const b = fill(k * n, 2);
      const whole = fill(m * n, 3);
      const parts = fill(m * n, 3); // the same start values, which acc = 1 adds to
      const read = (p: number) => Array.from(view().subarray(p / es, p / es + m * n));
      for (const transposed of [false, true])
        for (const acc of [0, 1]) {
          const a = fill(m * k, transposed ? 4 : 5); // A [m, k] row-major, or A^T [k, m] row-major read transposed
          const [rsa, csa] = transposed ? [1, m] : [k, 1];
          const [i0, j0] = [37, 69];
          const h = view();
          let want = acc ? h[whole / es + i0 * n + j0] : 0;
          for (let p = 0; p < k; p++) want += h[a / es + i0 * rsa + p * csa] * h[b / es + p * n + j0];
          gemm(a, rsa, csa, b, n, 1, whole, n, m, n, k, c.gemmWork(), acc);
          assert.ok(Math.abs(view()[whole / es + i0 * n + j0] - want) < 1e-3, `C(${i0}, ${j0}) is the product's element`);
          // Columns 0..63 in blocks of 16 rows, then columns 64..71 of every row (64 * 8 * 600 < 2^20): unpacked.
          for (let i = 0; i < m; i += 16) gemm(a + i * rsa * es, rsa, csa, b, n, 1, parts + i * n * es, n, 16, 64, k, c.gemmWork(), acc);
          gemm(a, rsa, csa, b + 64 * es, n, 1, parts + 64 * es, n, m, 8, k, c.gemmWork(), acc);
          assert.deepEqual(read(parts), read(whole), `acc ${acc}, A ${transposed ? "transposed" : "row-major"}`);
        }
    });
});

describe("convolutions and pooling at training sizes", () => {
  const geometries: { x: number[]; w: number[]; p: { stride: [number, number]; padding: [[number, number], [number, number]]; dilation: [number, number]; groups: number } }[] = [
    { x: [4, 3, 12, 12], w: [8, 3, 3, 3], p: { stride: [1, 1], padding: [[1, 1], [1, 1]], dilation: [1, 1], groups: 1 } },
    { x: [3, 4, 11, 9], w: [6, 2, 3, 2], p: { stride: [2, 1], padding: [[0, 1], [2, 0]], dilation: [1, 2], groups: 2 } },
    { x: [2, 6, 7, 7], w: [4, 6, 1, 1], p: { stride: [1, 1], padding: [[0, 0], [0, 0]], dilation: [1, 1], groups: 1 } },
    { x: [5, 2, 9, 10], w: [3, 2, 5, 5], p: { stride: [3, 2], padding: [[2, 2], [1, 3]], dilation: [1, 1], groups: 1 } },
  ];
  test("conv2d and both gradients agree with the reference (float32, float64; one and two threads)", async () => {
    try {
      for (const threads of [1, 2]) {
        await withBackend("wasm", () => gn.setWasmThreads(threads));
        for (const dtype of ["float32", "float64"] as const)
          geometries.forEach(({ x, w, p }, i) => {
            const xs = rand(x, dtype, 40 + i);
            const ws = rand(w, dtype, 50 + i);
            const y = withBackend("reference", () => bind("conv2d", [xs, ws], p as never));
            const gy = rand([...y.shape], dtype, 60 + i);
            compare("conv2d", [xs, ws], p, `conv2d ${i} ${dtype} threads ${threads}`);
            compare("conv2dGradInput", [gy, ws], { ...p, inputShape: x }, `conv2dGradInput ${i} ${dtype} threads ${threads}`);
            compare("conv2dGradFilter", [xs, gy], { ...p, filterShape: w }, `conv2dGradFilter ${i} ${dtype} threads ${threads}`);
          });
      }
    } finally {
      await withBackend("wasm", () => gn.setWasmThreads(0));
    }
  });
  test("the filter gradient has the same bits with one, two and three threads (its batch sum does not follow the threads)", async () => {
    const x = rand([24, 3, 14, 14], "float32", 81);
    const w = [8, 3, 3, 3];
    const p = { stride: [1, 1], padding: [[1, 1], [1, 1]], dilation: [1, 1], groups: 1, filterShape: w };
    const gy = rand([24, 8, 14, 14], "float32", 82);
    const bits: Float32Array[] = [];
    try {
      for (const threads of [1, 2, 3]) {
        await withBackend("wasm", () => gn.setWasmThreads(threads));
        bits.push(withBackend("wasm", () => bind("conv2dGradFilter", [on("wasm", x), on("wasm", gy)], p as never).toTypedArray() as Float32Array));
      }
    } finally {
      await withBackend("wasm", () => gn.setWasmThreads(0));
    }
    assert.deepEqual(bits[1], bits[0], "two threads against one");
    assert.deepEqual(bits[2], bits[0], "three threads against one");
  });
  test("max pooling windows and the gathers behind it agree; a bad index throws the reference's error", () => {
    const x = rand([4, 3, 13, 12], "float32", 70);
    compare("maxPool2dArgmax", [x], { kernelSize: [3, 2], stride: [2, 2], dilation: [1, 2] }, "maxPool2dArgmax");
    // The vectorised 2x2 / stride 2 path: ties (few distinct values) and NaNs pick as the scalar rule does.
    const ties = withBackend("reference", () => {
      const v = Float32Array.from({ length: 3 * 2 * 12 * 17 }, (_, i) => ((i * 7919) % 5) - 2);
      for (const i of [5, 40, 41, 300, 301, 302, 303, 700]) v[i] = NaN;
      return gn.tensor(v, { shape: [3, 2, 12, 17] });
    });
    compare("maxPool2dArgmax", [ties], { kernelSize: [2, 2], stride: [2, 2], dilation: [1, 1] }, "maxPool2dArgmax 2x2 ties and NaN");
    compare("maxPool2dArgmax", [rand([2, 3, 16, 16], "float32", 73)], { kernelSize: [2, 2], stride: [2, 2], dilation: [1, 1] }, "maxPool2dArgmax 2x2");
    const idx = withBackend("reference", () => gn.random.randint(gn.random.key(5), [4, 3, 20], -12, 12));
    const flat = withBackend("reference", () => x.reshape([4, 3, 156]).slice([0, 0, 0], [4, 3, 12]));
    compare("takeAlongAxis", [flat, idx], { axis: 2 }, "takeAlongAxis with negative indices");
    compare("scatterAddAlongAxis", [idx, rand([4, 3, 20], "float32", 71)], { axis: 2, dimSize: 12 }, "scatterAddAlongAxis");
    const bad = withBackend("reference", () => gn.tensor([[0, 12]], { dtype: "int32" }));
    assert.throws(() => withBackend("wasm", () => bind("takeAlongAxis", [on("wasm", rand([1, 12], "float32", 72)), on("wasm", bad)], { axis: 1 } as never)), (e: Error) => e instanceof gn.ValueError && /index 12 is out of range/.test(e.message));
  });
});

test("lazy transposes: products read them in place; other consumers, reshape, dispose and double transposes see the right values", () => {
  for (const dtype of ["float32", "float64"] as const)
    for (const [m, k, n] of [[40, 30, 1], [37, 50, 20], [120, 200, 90], [3, 64, 70], [30, 569, 1], [5, 1, 3], [33, 2, 1]]) {
      const a = rand([k, m], dtype, 80);
      const b = rand([n, k], dtype, 81);
      const x = rand([k, 1], dtype, 82);
      const ref = withBackend("reference", () => [a.T.matmul(b.T), a.T.matmul(x), b.matmul(a), a.T.exp(), a.T.T.add(1), a.T.reshape([m * k])].map((t) => t.toTypedArray()));
      withBackend("wasm", () => {
        const [wa, wb, wx] = [on("wasm", a), on("wasm", b), on("wasm", x)];
        gn.setBackend("wasm");
        const at = wa.T;
        const got = [at.matmul(wb.T), at.matmul(wx), wb.matmul(at.T), at.exp(), at.T.add(1), at.reshape([m * k])].map((t) => t.toTypedArray());
        got.forEach((g, i) => assertAgree(g, ref[i], dtype, `${dtype} ${m}x${k}x${n} case ${i}`));
        wa.dispose();
        assertAgree(at.matmul(wb.T).toTypedArray(), ref[0], dtype, "the view keeps its data after the source tensor is disposed");
        at.dispose();
        assert.throws(() => at.toArray(), /disposed/);
      });
    }
});

test("first derivatives of every differentiable primitive with every tensor in the wasm heap (both modes)", () => {
  const old = setSmallTensorBytes(-1);
  gn.setBackend("wasm");
  try {
    let checks = 0;
    for (const name of Object.keys(prims).sort() as PrimName[]) {
      const prim = prims[name] as Primitive<unknown>;
      if (!prim.differentiable) continue;
      const index = prim.samples.findIndex((s) => !s.valueOnly);
      if (index < 0) continue;
      const sample = prim.samples[index];
      const inputs = sampleInputs(name, index, sample);
      const wrt = sample.wrt ?? inputs.map((t, i) => (gn.isFloat(t.dtype) ? i : -1)).filter((i) => i >= 0);
      const f = (...diff: gn.Tensor[]) => {
        const all = [...inputs];
        wrt.forEach((a, k) => (all[a] = diff[k]));
        return bind(name, all, sample.params as never);
      };
      checks += gn.checkGrads(f, wrt.map((i) => inputs[i]), { order: 1, ...sample.tol });
    }
    assert.ok(checks > 40, `${checks} checks`);
  } finally {
    setSmallTensorBytes(old);
    gn.setBackend("reference");
  }
});
