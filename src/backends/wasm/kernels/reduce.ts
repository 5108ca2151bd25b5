/**
 * Reductions on the wasm backend: sum, prod, max, min over any axes for float32/float64 (SIMD).
 * Axes are grouped into blocks of adjacent axes; each block is one [outer, red, inner] pass, the
 * last block first. Declined (reference fallback): int32. argmax, argmin and cumsum use the
 * reference kernels on heap views (no copy in).
 */
import type { ReduceParams } from "../../../ops/prims/reduce.js";
import type { NativeKernel } from "./types.js";

const R = { sum: 0, prod: 1, max: 2, min: 3 } as const;

function reduce(code: number): NativeKernel<ReduceParams> {
  return (c, [a], [av], { axes }, out) => {
    const dt = av.dtype;
    if (dt !== "float32" && dt !== "float64") return null;
    const es = dt === "float32" ? 4 : 8;
    const shape = av.shape.slice();
    let n = 1;
    for (const d of shape) n *= d;
    let outSize = 1;
    for (const d of out.shape) outSize *= d;
    // Blocks of adjacent reduced axes, as [first, last] pairs.
    const blocks: number[] = [];
    for (let i = 0; i < axes.length; i++) {
      const nb = blocks.length;
      if (nb > 0 && blocks[nb - 1] === axes[i] - 1) blocks[nb - 1] = axes[i];
      else blocks.push(axes[i], axes[i]);
    }
    let src = c.ptr(a, dt);
    if (blocks.length === 0) {
      const y = c.out(dt, outSize);
      c.heap.u8.copyWithin(y, src, src + n * es);
      return c.result();
    }
    let cur = n;
    for (let b = blocks.length - 2; b >= 0; b -= 2) {
      const first = blocks[b];
      const last = blocks[b + 1];
      let outer = 1;
      let red = 1;
      let inner = 1;
      for (let i = 0; i < first; i++) outer *= shape[i];
      for (let i = first; i <= last; i++) red *= shape[i];
      for (let i = last + 1; i < shape.length; i++) inner *= shape[i];
      const size = red === 0 ? outer * inner : cur / red;
      const dst = b === 0 ? c.out(dt, outSize) : c.temp(size * es);
      if (dt === "float32") c.x.reduce_f32(code, src, dst, outer, red, inner);
      else c.x.reduce_f64(code, src, dst, outer, red, inner);
      for (let i = first; i <= last; i++) shape[i] = 1;
      src = dst;
      cur = size;
    }
    return c.result();
  };
}

export const reduceEntries = {
  sum: { native: reduce(R.sum) },
  prod: { native: reduce(R.prod) },
  max: { native: reduce(R.max) },
  min: { native: reduce(R.min) },
  argmax: { fallback: "index results; the reference kernel reads heap views directly" },
  argmin: { fallback: "index results; the reference kernel reads heap views directly" },
  cumsum: { fallback: "a sequential scan; the reference kernel reads heap views directly" },
  logSoftmax: { fallback: "small in practice (logits [batch, classes]); the reference kernel reads heap views directly" },
};
