/**
 * Reductions on the native backend: sum, prod, max, min over any axes for float32/float64. Adjacent
 * reduced axes form one [outer, red, inner] pass; separate blocks run one after another, the last
 * first. float32 sums and products accumulate in double, as the reference's JavaScript numbers do.
 * Declined: int32 (the reference's wrapping rules). argmax, argmin and cumsum use the reference kernels.
 */
import { allocOut } from "../arrays.js";
import type { ReduceParams } from "../../../ops/prims/reduce.js";
import { DT, type NativeKernel } from "../context.js";

const R = { sum: 0, prod: 1, max: 2, min: 3 } as const;

function reduce(code: number): NativeKernel<ReduceParams> {
  return (c, [x], [xv], { axes }, out) => {
    const dt = xv.dtype;
    if (dt !== "float32" && dt !== "float64") return null;
    const shape = xv.shape.slice();
    let outSize = 1;
    for (const d of out.shape) outSize *= d;
    if (axes.length === 0) return x.slice();
    // Blocks of adjacent reduced axes, as [first, last] pairs.
    const blocks: number[] = [];
    for (let i = 0; i < axes.length; i++) {
      const nb = blocks.length;
      if (nb > 0 && blocks[nb - 1] === axes[i] - 1) blocks[nb - 1] = axes[i];
      else blocks.push(axes[i], axes[i]);
    }
    let src = x;
    for (let b = blocks.length - 2; b >= 0; b -= 2) {
      const first = blocks[b];
      const last = blocks[b + 1];
      let outer = 1;
      let red = 1;
      let inner = 1;
      for (let i = 0; i < first; i++) outer *= shape[i];
      for (let i = first; i <= last; i++) red *= shape[i];
      for (let i = last + 1; i < shape.length; i++) inner *= shape[i];
      const dst = allocOut(dt, b === 0 ? outSize : outer * inner);
      c.N.reduce(code, DT[dt], src, dst, outer, red, inner);
      for (let i = first; i <= last; i++) shape[i] = 1;
      src = dst;
    }
    return src;
  };
}

export const reduceEntries = {
  sum: { native: reduce(R.sum) },
  prod: { native: reduce(R.prod) },
  max: { native: reduce(R.max) },
  min: { native: reduce(R.min) },
  argmax: { fallback: "index results, rarely hot; the reference kernel reads the same arrays" },
  argmin: { fallback: "index results, rarely hot; the reference kernel reads the same arrays" },
  cumsum: { fallback: "a sequential scan; the reference kernel reads the same arrays" },
  logSoftmax: { fallback: "small in practice (logits [batch, classes]); the reference kernel reads the same arrays" },
};
