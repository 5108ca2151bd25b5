import type { BroadcastParams, ConcatParams, FlipParams, PadParams, ReshapeParams, SliceParams, TransposeParams } from "../../ops/prims/movement.js";
import { stridesOf } from "../../core/shape.js";
import { type Kernel, alloc, forEachBroadcast } from "./util.js";

/** Visits every index of `shape`, passing the output position and an input offset computed from per-axis strides plus a base. */
function gatherStrided(y: { [i: number]: number; length: number }, a: { [i: number]: number }, shape: readonly number[], inStrides: readonly number[], base: number): void {
  const rank = shape.length;
  const idx = new Int32Array(rank);
  let off = base;
  for (let o = 0; o < y.length; o++) {
    y[o] = a[off];
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      off += inStrides[ax];
      if (idx[ax] < shape[ax]) break;
      off -= inStrides[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}

export const movementKernels = {
  // Storage is immutable, so a reshape can share its input's array.
  reshape: (([a]) => a) as Kernel<ReshapeParams>,
  transpose: (([a], [av], { perm }, out) => {
    const y = alloc(out);
    const s = stridesOf(av.shape);
    gatherStrided(y, a, out.shape, perm.map((p) => s[p]), 0);
    return y;
  }) as Kernel<TransposeParams>,
  broadcastTo: (([a], [av], _p, out) => {
    const y = alloc(out);
    forEachBroadcast(out.shape, [av.shape], (o, offs) => (y[o] = a[offs[0]]));
    return y;
  }) as Kernel<BroadcastParams>,
  slice: (([a], [av], { begin, step }, out) => {
    const y = alloc(out);
    const s = stridesOf(av.shape);
    const base = begin.reduce((acc, b, i) => acc + b * s[i], 0);
    gatherStrided(y, a, out.shape, s.map((st, i) => st * step[i]), base);
    return y;
  }) as Kernel<SliceParams>,
  pad: (([a], [av], { lo, interior, value }, out) => {
    const y = alloc(out);
    if (value !== 0) y.fill(value);
    const os = stridesOf(out.shape);
    // Scatter the input into the output: input index i on an axis lands at lo + i * (interior + 1).
    const rank = av.shape.length;
    const idx = new Int32Array(rank);
    let off = lo.reduce((acc, l, i) => acc + l * os[i], 0);
    const step = os.map((st, i) => st * (interior[i] + 1));
    for (let k = 0; k < a.length; k++) {
      y[off] = a[k];
      for (let ax = rank - 1; ax >= 0; ax--) {
        idx[ax]++;
        off += step[ax];
        if (idx[ax] < av.shape[ax]) break;
        off -= step[ax] * av.shape[ax];
        idx[ax] = 0;
      }
    }
    return y;
  }) as Kernel<PadParams>,
  concat: ((inputs, avals, { axis }, out) => {
    const y = alloc(out);
    let outer = 1;
    for (let i = 0; i < axis; i++) outer *= out.shape[i];
    let inner = 1;
    for (let i = axis + 1; i < out.shape.length; i++) inner *= out.shape[i];
    const outRow = out.shape[axis] * inner;
    let col = 0;
    inputs.forEach((a, j) => {
      const row = avals[j].shape[axis] * inner;
      for (let o = 0; o < outer; o++) y.set(a.subarray(o * row, (o + 1) * row) as never, o * outRow + col);
      col += row;
    });
    return y;
  }) as Kernel<ConcatParams>,
  flip: (([a], [av], { axes }, out) => {
    const y = alloc(out);
    const s = stridesOf(av.shape);
    const base = axes.reduce((acc, ax) => acc + (av.shape[ax] - 1) * s[ax], 0);
    gatherStrided(y, a, out.shape, s.map((st, i) => (axes.includes(i) ? -st : st)), base);
    return y;
  }) as Kernel<FlipParams>,
};
