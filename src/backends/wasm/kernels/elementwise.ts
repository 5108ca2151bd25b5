/**
 * Elementwise primitives on the wasm backend. SIMD kernels: float32 unary maps (exp, log, tanh, ...
 * in native/wasm/simdmath.h), float32/float64 arithmetic with broadcasting, comparisons, where and
 * cast. JavaScript Math on heap views for the float64 transcendentals and float32 sin/cos/tan/erf,
 * so they agree with the reference backend exactly. Declined (reference fallback): int32 unary and
 * arithmetic, pow, bool comparisons, the logical ops.
 */
import type { Aval } from "../../backend.js";
import type { DType } from "../../../core/dtype.js";
import type { CastParams } from "../../../ops/prims/elementwise.js";
import { erf, sigmoid, softplus } from "../../reference/math.js";
import type { TypedArray } from "../../../core/dtype.js";
import { type Ctx, DT_CODE, DT_SIZE, SMALL_BYTES, type Storage } from "../context.js";
import { broadcastStrides, collapse } from "../strides.js";
import { tinyBinary } from "../../tiny.js";
import type { Entry, NativeKernel } from "./types.js";

type NoParams = Record<string, never>;

/** Op codes of unary_f32/unary_f64 (native/wasm/elementwise.c). */
const U = { neg: 0, abs: 1, sqrt: 2, reciprocal: 3, relu: 4, exp: 5, log: 6, log1p: 7, expm1: 8, tanh: 9, sigmoid: 10, softplus: 11, floor: 12, ceil: 13, round: 14, sign: 15 } as const;
/** float64 has native code for the cheap maps only. */
const F64_NATIVE = new Set<number>([U.neg, U.abs, U.sqrt, U.reciprocal, U.relu, U.floor, U.ceil, U.round, U.sign]);

function unary(code: number, jsMath: ((x: number) => number) | null): NativeKernel<NoParams> {
  return (c, [a], [av], _p, out) => {
    const n = out.shape.length === 0 ? 1 : sizeOfAval(out);
    const dt = av.dtype;
    if (dt === "float32" || dt === "float64") {
      if (dt === "float32" || F64_NATIVE.has(code)) {
        const x = c.ptr(a, dt);
        const y = c.out(dt, n);
        if (dt === "float32") c.x.unary_f32(code, x, y, n);
        else c.x.unary_f64(code, x, y, n);
        return c.result();
      }
    }
    return null;
  };
}

/** A float map computed with JavaScript Math over heap views (float32 results rounded on store). */
function jsMap(f: (x: number) => number): NativeKernel<NoParams> {
  return (c, [a], [av], _p, out) => {
    const dt = av.dtype;
    if (dt !== "float32" && dt !== "float64") return null;
    const n = sizeOfAval(out);
    const yp = c.out(dt, n);
    const y = c.viewAt(yp, dt, n);
    const x = c.view(a, dt, n);
    for (let i = 0; i < n; i++) y[i] = f(x[i]);
    return c.result();
  };
}

/** float32 through the SIMD kernel, float64 through JavaScript Math (exact agreement with the reference). */
function unaryMixed(code: number, f64: (x: number) => number): NativeKernel<NoParams> {
  const native = unary(code, null);
  const js = jsMap(f64);
  return (c, inputs, avals, p, out) => (avals[0].dtype === "float32" ? native(c, inputs, avals, p, out) : js(c, inputs, avals, p, out));
}

function sizeOfAval(a: Aval): number {
  let n = 1;
  for (let i = 0; i < a.shape.length; i++) n *= a.shape[i];
  return n;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Writes broadcasting metadata for inputs of the given shapes against `outShape`; returns the rank. */
export function broadcastMeta(c: Ctx, outShape: readonly number[], shapes: readonly (readonly number[])[], n: number): number {
  if (shapes.length === 2) {
    // The common cases skip the general collapse.
    const [sa, sb] = shapes;
    const fa = sameShape(sa, outShape);
    const fb = sameShape(sb, outShape);
    if (fa && fb) return meta3(c, n, 1, 1);
    if (fa && sizeOfShape(sb) === 1) return meta3(c, n, 1, 0);
    if (fb && sizeOfShape(sa) === 1) return meta3(c, n, 0, 1);
  }
  const { meta, rank } = collapse(outShape, shapes.map((s) => broadcastStrides(s, outShape)));
  c.writeMeta(meta);
  return rank;
}

function meta3(c: Ctx, n: number, sa: number, sb: number): number {
  const i = c.heap.i32;
  const m = c.meta >>> 2;
  i[m] = n;
  i[m + 1] = sa;
  i[m + 2] = sb;
  return 1;
}

function sizeOfShape(s: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < s.length; i++) n *= s[i];
  return n;
}

const B = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 } as const;

function binary(code: number): NativeKernel<NoParams> {
  return (c, [a, b], [av, bv], _p, out) => {
    const dt = out.dtype;
    if (dt !== "float32" && dt !== "float64") return null;
    const n = sizeOfAval(out);
    if (code <= B.div && ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && n * DT_SIZE[dt] <= SMALL_BYTES) {
      const sa = sameShape(av.shape, out.shape) ? 1 : sizeOfShape(av.shape) === 1 ? 0 : -1;
      const sb = sameShape(bv.shape, out.shape) ? 1 : sizeOfShape(bv.shape) === 1 ? 0 : -1;
      if (sa >= 0 && sb >= 0) {
        // Small operands live outside the heap (context.ts): computing here beats copying them in and back.
        const y = dt === "float32" ? new Float32Array(n) : new Float64Array(n);
        tinyBinary(code, a, sa, b, sb, y, n);
        return y;
      }
    }
    const pa = c.ptr(a, dt);
    const pb = c.ptr(b, dt);
    const py = c.out(dt, n);
    const rank = broadcastMeta(c, out.shape, [av.shape, bv.shape], n);
    if (dt === "float32") c.x.binary_f32(code, pa, pb, py, c.meta, rank);
    else c.x.binary_f64(code, pa, pb, py, c.meta, rank);
    return c.result();
  };
}

const C = { equal: 0, notEqual: 1, less: 2, lessEqual: 3, greater: 4, greaterEqual: 5 } as const;

function compare(code: number): NativeKernel<NoParams> {
  return (c, [a, b], [av, bv], _p, out) => {
    const dt = av.dtype;
    if (dt === "bool") return null;
    const n = sizeOfAval(out);
    const pa = c.ptr(a, dt);
    const pb = c.ptr(b, dt);
    const py = c.out("bool", n);
    const rank = broadcastMeta(c, out.shape, [av.shape, bv.shape], n);
    if (dt === "float32") c.x.compare_f32(code, pa, pb, py, c.meta, rank);
    else if (dt === "float64") c.x.compare_f64(code, pa, pb, py, c.meta, rank);
    else c.x.compare_i32(code, pa, pb, py, c.meta, rank);
    return c.result();
  };
}

const where: NativeKernel<NoParams> = (c, [cond, a, b], [cv, av, bv], _p, out) => {
  const dt = out.dtype;
  const n = sizeOfAval(out);
  const pc = c.ptr(cond, "bool");
  const pa = c.ptr(a, dt);
  const pb = c.ptr(b, dt);
  const py = c.out(dt, n);
  const rank = broadcastMeta(c, out.shape, [cv.shape, av.shape, bv.shape], n);
  const w = widthOf(dt);
  if (w === 1) c.x.where_w1(pc, pa, pb, py, c.meta, rank);
  else if (w === 4) c.x.where_w4(pc, pa, pb, py, c.meta, rank);
  else c.x.where_w8(pc, pa, pb, py, c.meta, rank);
  return c.result();
};

export function widthOf(dt: DType): number {
  return dt === "bool" ? 1 : dt === "float64" ? 8 : 4;
}

const cast: NativeKernel<CastParams> = (c, [a], [av], _p, out) => {
  const n = sizeOfAval(out);
  const pa = c.ptr(a, av.dtype);
  const py = c.out(out.dtype, n);
  c.x.cast(pa, DT_CODE[av.dtype], py, DT_CODE[out.dtype], n);
  return c.result();
};

const n = (k: NativeKernel<NoParams>): Entry<NoParams> => ({ native: k });

export const elementwiseEntries = {
  neg: n(unary(U.neg, null)),
  exp: n(unaryMixed(U.exp, Math.exp)),
  log: n(unaryMixed(U.log, Math.log)),
  log1p: n(unaryMixed(U.log1p, Math.log1p)),
  expm1: n(unaryMixed(U.expm1, Math.expm1)),
  sqrt: n(unary(U.sqrt, null)),
  reciprocal: n(unary(U.reciprocal, null)),
  sin: n(jsMap(Math.sin)),
  cos: n(jsMap(Math.cos)),
  tan: n(jsMap(Math.tan)),
  tanh: n(unaryMixed(U.tanh, Math.tanh)),
  sigmoid: n(unaryMixed(U.sigmoid, sigmoid)),
  softplus: n(unaryMixed(U.softplus, softplus)),
  erf: n(jsMap(erf)),
  abs: n(unary(U.abs, null)),
  relu: n(unary(U.relu, null)),
  sign: n(unary(U.sign, null)),
  floor: n(unary(U.floor, null)),
  ceil: n(unary(U.ceil, null)),
  round: n(unary(U.round, null)),
  add: n(binary(B.add)),
  sub: n(binary(B.sub)),
  mul: n(binary(B.mul)),
  div: n(binary(B.div)),
  pow: { fallback: "Math.pow's special cases (0^0, negative bases, int32 powers) are kept exactly by the reference kernel" },
  maximum: n(binary(B.maximum)),
  minimum: n(binary(B.minimum)),
  equal: n(compare(C.equal)),
  notEqual: n(compare(C.notEqual)),
  less: n(compare(C.less)),
  lessEqual: n(compare(C.lessEqual)),
  greater: n(compare(C.greater)),
  greaterEqual: n(compare(C.greaterEqual)),
  logicalAnd: { fallback: "bool only and rarely hot" },
  logicalOr: { fallback: "bool only and rarely hot" },
  logicalNot: { fallback: "bool only and rarely hot" },
  where: { native: where } as Entry<NoParams>,
  cast: { native: cast } as Entry<CastParams>,
};

export type { Storage };
