import type { CastParams } from "../../ops/prims/elementwise.js";
import { shapesEqual, sizeOf } from "../../core/shape.js";
import { type Kernel, alloc, forEachBroadcast } from "./util.js";
import { erf, roundHalfEven, sigmoid, softplus } from "./math.js";

type NoParams = Record<string, never>;

export function unaryKernel(f: (x: number) => number, intF?: (x: number) => number): Kernel<NoParams> {
  return ([a], avals, _p, out) => {
    const y = alloc(out);
    const g = out.dtype === "int32" && intF ? intF : f;
    for (let i = 0; i < y.length; i++) y[i] = g(a[i]);
    return y;
  };
}

export function binaryKernel(f: (a: number, b: number) => number, intF?: (a: number, b: number) => number): Kernel<NoParams> {
  return ([a, b], avals, _p, out) => {
    const y = alloc(out);
    const g = avals[0].dtype === "int32" && intF ? intF : f;
    const n = y.length;
    if (shapesEqual(avals[0].shape, out.shape) && shapesEqual(avals[1].shape, out.shape)) {
      for (let i = 0; i < n; i++) y[i] = g(a[i], b[i]);
    } else if (b.length === 1 && shapesEqual(avals[0].shape, out.shape)) {
      const s = b[0];
      for (let i = 0; i < n; i++) y[i] = g(a[i], s);
    } else if (a.length === 1 && shapesEqual(avals[1].shape, out.shape)) {
      const s = a[0];
      for (let i = 0; i < n; i++) y[i] = g(s, b[i]);
    } else forEachBroadcast(out.shape, [avals[0].shape, avals[1].shape], (o, offs) => (y[o] = g(a[offs[0]], b[offs[1]])));
    return y;
  };
}

const sign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN);
const nanMax = (a: number, b: number) => (a !== a || b !== b ? NaN : a > b ? a : b);
const nanMin = (a: number, b: number) => (a !== a || b !== b ? NaN : a < b ? a : b);
const b2n = (v: boolean) => (v ? 1 : 0);

export const elementwiseKernels = {
  neg: unaryKernel((x) => -x),
  exp: unaryKernel(Math.exp),
  log: unaryKernel(Math.log),
  log1p: unaryKernel(Math.log1p),
  expm1: unaryKernel(Math.expm1),
  sqrt: unaryKernel(Math.sqrt),
  reciprocal: unaryKernel((x) => 1 / x),
  sin: unaryKernel(Math.sin),
  cos: unaryKernel(Math.cos),
  tan: unaryKernel(Math.tan),
  tanh: unaryKernel(Math.tanh),
  sigmoid: unaryKernel(sigmoid),
  softplus: unaryKernel(softplus),
  erf: unaryKernel(erf),
  abs: unaryKernel(Math.abs),
  relu: unaryKernel((x) => (x > 0 ? x : x !== x ? x : 0)),
  sign: unaryKernel(sign),
  floor: unaryKernel(Math.floor),
  ceil: unaryKernel(Math.ceil),
  round: unaryKernel(roundHalfEven),
  add: binaryKernel((a, b) => a + b),
  sub: binaryKernel((a, b) => a - b),
  mul: binaryKernel((a, b) => a * b, Math.imul),
  div: binaryKernel((a, b) => a / b),
  // Integer powers: repeated squaring in int32 arithmetic; a negative exponent gives 0 unless the base is ±1.
  pow: binaryKernel(Math.pow, intPow),
  maximum: binaryKernel(nanMax),
  minimum: binaryKernel(nanMin),
  equal: binaryKernel((a, b) => b2n(a === b)),
  notEqual: binaryKernel((a, b) => b2n(a !== b)),
  less: binaryKernel((a, b) => b2n(a < b)),
  lessEqual: binaryKernel((a, b) => b2n(a <= b)),
  greater: binaryKernel((a, b) => b2n(a > b)),
  greaterEqual: binaryKernel((a, b) => b2n(a >= b)),
  logicalAnd: binaryKernel((a, b) => b2n(a !== 0 && b !== 0)),
  logicalOr: binaryKernel((a, b) => b2n(a !== 0 || b !== 0)),
  logicalNot: unaryKernel((a) => b2n(a === 0)),
  where: (([c, a, b], avals, _p: NoParams, out) => {
    const y = alloc(out);
    forEachBroadcast(out.shape, avals.map((v) => v.shape), (o, offs) => (y[o] = c[offs[0]] ? a[offs[1]] : b[offs[2]]));
    return y;
  }) as Kernel<NoParams>,
  cast: (([a], _avals, _p: CastParams, out) => {
    const y = alloc(out);
    const n = sizeOf(out.shape);
    if (out.dtype === "bool") for (let i = 0; i < n; i++) y[i] = a[i] !== 0 ? 1 : 0; // NaN !== 0: true, as in NumPy
    else if (out.dtype === "int32") for (let i = 0; i < n; i++) y[i] = a[i] | 0; // truncates; NaN and ±Infinity give 0
    else for (let i = 0; i < n; i++) y[i] = a[i];
    return y;
  }) as Kernel<CastParams>,
};

function intPow(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b % 2 === 0 ? 1 : -1) : 0;
  let result = 1;
  let base = a;
  let e = b;
  while (e > 0) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
    e >>>= 1;
  }
  return result;
}
