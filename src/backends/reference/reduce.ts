import type { ArgReduceParams, CumsumParams, LogSoftmaxParams, ReduceParams } from "../../ops/prims/reduce.js";
import { stridesOf } from "../../core/shape.js";
import { type Kernel, alloc } from "./util.js";

/**
 * Reduces by iterating over the output elements (kept axes) and, for each, over the reduced axes.
 * `combine` folds values into an accumulator started at `init`.
 */
function reduceKernel(init: number, combine: (acc: number, v: number) => number): Kernel<ReduceParams> {
  return ([a], [av], { axes }, out) => {
    const y = alloc(out);
    const shape = av.shape;
    const strides = stridesOf(shape);
    const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const red = axes;
    const redShape = red.map((i) => shape[i]);
    const redStrides = red.map((i) => strides[i]);
    const keptShape = kept.map((i) => shape[i]);
    const keptStrides = kept.map((i) => strides[i]);
    const redIdx = new Int32Array(red.length);
    const keptIdx = new Int32Array(kept.length);
    let base = 0;
    for (let o = 0; o < y.length; o++) {
      let acc = init;
      let off = base;
      redIdx.fill(0);
      for (;;) {
        acc = combine(acc, a[off]);
        let ax = red.length - 1;
        for (; ax >= 0; ax--) {
          redIdx[ax]++;
          off += redStrides[ax];
          if (redIdx[ax] < redShape[ax]) break;
          off -= redStrides[ax] * redShape[ax];
          redIdx[ax] = 0;
        }
        if (ax < 0) break;
      }
      if (redShape.some((d) => d === 0)) acc = init;
      y[o] = acc;
      for (let ax = kept.length - 1; ax >= 0; ax--) {
        keptIdx[ax]++;
        base += keptStrides[ax];
        if (keptIdx[ax] < keptShape[ax]) break;
        base -= keptStrides[ax] * keptShape[ax];
        keptIdx[ax] = 0;
      }
    }
    return y;
  };
}

const nanMax = (acc: number, v: number) => (acc !== acc || v !== v ? NaN : v > acc ? v : acc);
const nanMin = (acc: number, v: number) => (acc !== acc || v !== v ? NaN : v < acc ? v : acc);

/** Iterates over the lines along `axis`: calls body(offset of the first element, stride, length, line index). */
function forEachLine(shape: readonly number[], axis: number, body: (start: number, stride: number, n: number, line: number) => void): void {
  const strides = stridesOf(shape);
  const n = shape[axis];
  const stride = strides[axis];
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  const inner = stride;
  let line = 0;
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) body(o * n * inner + i, stride, n, line++);
}

function argKernel(better: (v: number, best: number) => boolean): Kernel<ArgReduceParams> {
  return ([a], [av], { axis }, out) => {
    const y = alloc(out);
    forEachLine(av.shape, axis, (start, stride, n, line) => {
      let best = 0;
      let bv = a[start];
      for (let k = 1; k < n && bv === bv; k++) {
        const v = a[start + k * stride];
        if (v !== v || better(v, bv)) {
          best = k;
          bv = v;
        }
      }
      y[line] = best;
    });
    return y;
  };
}

export const reduceKernels = {
  sum: reduceKernel(0, (acc, v) => acc + v),
  prod: reduceKernel(1, (acc, v) => acc * v),
  max: reduceKernel(-Infinity, nanMax),
  min: reduceKernel(Infinity, nanMin),
  argmax: argKernel((v, b) => v > b),
  argmin: argKernel((v, b) => v < b),
  cumsum: (([a], [av], { axis, reverse }, out) => {
    const y = alloc(out);
    forEachLine(av.shape, axis, (start, stride, n) => {
      let acc = 0;
      for (let k = 0; k < n; k++) {
        const off = start + (reverse ? n - 1 - k : k) * stride;
        acc += a[off];
        y[off] = acc;
      }
    });
    return y;
  }) as Kernel<CumsumParams>,
  logSoftmax: (([a], [av], { axis }, out) => {
    const y = alloc(out);
    forEachLine(av.shape, axis, (start, stride, n) => {
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = nanMax(m, a[start + k * stride]);
      const shift = m - m === 0 ? m : 0; // a non-finite maximum would make x - shift inf - inf
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp(a[start + k * stride] - shift);
      const lse = Math.log(s) + shift;
      for (let k = 0; k < n; k++) y[start + k * stride] = a[start + k * stride] - lse;
    });
    return y;
  }) as Kernel<LogSoftmaxParams>,
};
