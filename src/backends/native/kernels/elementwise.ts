/**
 * Elementwise primitives on the native backend: every float unary map (float32 exp/log/tanh/sigmoid/softplus
 * in SIMD, the rest through libm), float arithmetic with broadcasting, comparisons of floats and
 * int32, where and cast for every dtype. Declined to the reference kernel: int32 unary maps and
 * arithmetic (JavaScript's wrapping rules are the reference's), pow, bool comparisons, the logical ops.
 */
import type { Aval } from "../../backend.js";
import { allocOut } from "../arrays.js";
import type { CastParams } from "../../../ops/prims/elementwise.js";
import { broadcastStrides, collapse } from "../../wasm/strides.js";
import { DT, type Entry, type NativeCtx, type NativeKernel, WIDTH, sizeOf } from "../context.js";
import { TINY, tinyBinary } from "../../tiny.js";

type NoParams = Record<string, never>;

/** Op codes of native/node/src/common.h. */
const U = { neg: 0, abs: 1, sqrt: 2, reciprocal: 3, relu: 4, exp: 5, log: 6, log1p: 7, expm1: 8, tanh: 9, sigmoid: 10, softplus: 11, floor: 12, ceil: 13, round: 14, sign: 15, sin: 16, cos: 17, tan: 18, erf: 19 } as const;
const B = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 } as const;
const C = { equal: 0, notEqual: 1, less: 2, lessEqual: 3, greater: 4, greaterEqual: 5 } as const;

function unary(code: number): NativeKernel<NoParams> {
  return (c, [x], [xv], _p, out) => {
    const dt = xv.dtype;
    if (dt !== "float32" && dt !== "float64") return null;
    const y = allocOut(dt, sizeOf(out.shape));
    c.scalars(code, DT[dt]);
    c.N.unary(x, y);
    return y;
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Writes [shape, strides of each input] for a broadcast into the metadata; returns the collapsed rank. */
export function broadcastMeta(c: NativeCtx, outShape: readonly number[], shapes: readonly (readonly number[])[], n: number): number {
  const mi = c.mi;
  if (shapes.length === 2) {
    const [sa, sb] = shapes;
    const fa = sameShape(sa, outShape);
    const fb = sameShape(sb, outShape);
    if ((fa || sizeOf(sa) === 1) && (fb || sizeOf(sb) === 1)) {
      mi[0] = n;
      mi[1] = fa ? 1 : 0;
      mi[2] = fb ? 1 : 0;
      return 1;
    }
  }
  const { meta, rank } = collapse(outShape, shapes.map((s) => broadcastStrides(s, outShape)));
  mi.set(meta);
  return rank;
}

function binary(code: number): NativeKernel<NoParams> {
  return (c, [a, b], [av, bv], _p, out) => {
    const dt = out.dtype;
    if (dt !== "float32" && dt !== "float64") return null;
    const n = sizeOf(out.shape);
    const y = allocOut(dt, n);
    const rank = broadcastMeta(c, out.shape, [av.shape, bv.shape], n);
    if (rank === 1 && n <= TINY && c.mi[0] === n) tinyBinary(code, a, c.mi[1], b, c.mi[2], y, n);
    else {
      c.scalars(code, DT[dt], rank);
      c.N.binary(a, b, y);
    }
    return y;
  };
}

function compare(code: number): NativeKernel<NoParams> {
  return (c, [a, b], [av, bv], _p, out) => {
    const dt = av.dtype;
    if (dt === "bool") return null;
    const n = sizeOf(out.shape);
    const y = allocOut("bool", n);
    c.scalars(code, DT[dt], broadcastMeta(c, out.shape, [av.shape, bv.shape], n));
    c.N.compare(a, b, y);
    return y;
  };
}

const where: NativeKernel<NoParams> = (c, [cond, a, b], [cv, av, bv], _p, out) => {
  const n = sizeOf(out.shape);
  const y = allocOut(out.dtype, n);
  c.N.where(WIDTH[out.dtype], cond, a, b, y, broadcastMeta(c, out.shape, [cv.shape, av.shape, bv.shape], n));
  return y;
};

const cast: NativeKernel<CastParams> = (c, [x], [xv]: Aval[], _p, out) => {
  const y = allocOut(out.dtype, sizeOf(out.shape));
  c.N.cast(x, DT[xv.dtype], y, DT[out.dtype]);
  return y;
};

const n = (k: NativeKernel<NoParams>): Entry<NoParams> => ({ native: k });

export const elementwiseEntries = {
  neg: n(unary(U.neg)),
  exp: n(unary(U.exp)),
  log: n(unary(U.log)),
  log1p: n(unary(U.log1p)),
  expm1: n(unary(U.expm1)),
  sqrt: n(unary(U.sqrt)),
  reciprocal: n(unary(U.reciprocal)),
  sin: n(unary(U.sin)),
  cos: n(unary(U.cos)),
  tan: n(unary(U.tan)),
  tanh: n(unary(U.tanh)),
  sigmoid: n(unary(U.sigmoid)),
  softplus: n(unary(U.softplus)),
  erf: n(unary(U.erf)),
  abs: n(unary(U.abs)),
  relu: n(unary(U.relu)),
  sign: n(unary(U.sign)),
  floor: n(unary(U.floor)),
  ceil: n(unary(U.ceil)),
  round: n(unary(U.round)),
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
