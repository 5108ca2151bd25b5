import type { AlongAxisParams, ScatterAddParams, TakeParams } from "../../ops/prims/indexing.js";
import { ValueError } from "../../core/errors.js";
import { type Kernel, alloc } from "./util.js";

function checkIndex(op: string, i: number, n: number): number {
  const j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) throw new ValueError(`${op}: index ${i} is out of range for an axis of size ${n}`);
  return j;
}

/** Splits a shape around `axis` into (outer, n, inner) sizes. */
function around(shape: readonly number[], axis: number, span = 1): [number, number, number] {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  let mid = 1;
  for (let i = axis; i < axis + span; i++) mid *= shape[i];
  let inner = 1;
  for (let i = axis + span; i < shape.length; i++) inner *= shape[i];
  return [outer, mid, inner];
}

export const indexingKernels = {
  take: (([x, idx], [xv, iv], { axis }, out) => {
    const y = alloc(out);
    const [outer, n, inner] = around(xv.shape, axis);
    const m = idx.length;
    const j = new Int32Array(m);
    for (let k = 0; k < m; k++) j[k] = checkIndex("take", idx[k], n);
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < m; k++) {
        const src = (o * n + j[k]) * inner;
        const dst = (o * m + k) * inner;
        for (let i = 0; i < inner; i++) y[dst + i] = x[src + i];
      }
    return y;
  }) as Kernel<TakeParams>,
  scatterAdd: (([idx, upd], [iv, uv], { axis, dimSize }, out) => {
    const y = alloc(out);
    const m = idx.length;
    const [outer, , inner] = around(uv.shape, axis, iv.shape.length);
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < m; k++) {
        const j = checkIndex("scatterAdd", idx[k], dimSize);
        const dst = (o * dimSize + j) * inner;
        const src = (o * m + k) * inner;
        for (let i = 0; i < inner; i++) y[dst + i] += upd[src + i];
      }
    return y;
  }) as Kernel<ScatterAddParams>,
  takeAlongAxis: (([x, idx], [xv, iv], { axis }, out) => {
    const y = alloc(out);
    const [outer, n, inner] = around(xv.shape, axis);
    const m = iv.shape[axis];
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < m; k++)
        for (let i = 0; i < inner; i++) {
          const p = (o * m + k) * inner + i;
          y[p] = x[(o * n + checkIndex("takeAlongAxis", idx[p], n)) * inner + i];
        }
    return y;
  }) as Kernel<AlongAxisParams>,
  scatterAddAlongAxis: (([idx, upd], [iv], { axis, dimSize }, out) => {
    const y = alloc(out);
    const [outer, m, inner] = around(iv.shape, axis);
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < m; k++)
        for (let i = 0; i < inner; i++) {
          const p = (o * m + k) * inner + i;
          y[(o * dimSize + checkIndex("scatterAddAlongAxis", idx[p], dimSize)) * inner + i] += upd[p];
        }
    return y;
  }) as Kernel<ScatterAddParams>,
};
