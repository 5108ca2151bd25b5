/**
 * Reductions on the wasm backend: sum, prod, max, min over any axes for float32/float64 (SIMD).
 * Axes are grouped into blocks of adjacent axes; each block is one [outer, red, inner] pass, the
 * last block first. Declined (reference fallback): int32. argmax, argmin and cumsum use the
 * reference kernels on heap views (no copy in).
 */
import type { ReduceParams } from "../../../ops/prims/reduce.js";
import type { NativeKernel } from "./types.js";
import { reductionPasses } from "../../../core/shape.js";

const R = { sum: 0, prod: 1, max: 2, min: 3 } as const;

function reduce(code: number): NativeKernel<ReduceParams> {
  return (c, [a], [av], { axes }, out) => {
    const dt = av.dtype;
    if (dt !== "float32" && dt !== "float64") return null;
    const es = dt === "float32" ? 4 : 8;
    let n = 1;
    for (const d of av.shape) n *= d;
    let outSize = 1;
    for (const d of out.shape) outSize *= d;
    let src = c.ptr(a, dt);
    if (axes.length === 0) {
      const y = c.out(dt, outSize);
      c.heap.u8.copyWithin(y, src, src + n * es);
      return c.result();
    }
    const passes = reductionPasses(av.shape, axes);
    for (let p = 0; p < passes.length; p += 3) {
      const outer = passes[p];
      const red = passes[p + 1];
      const inner = passes[p + 2];
      const dst = p === passes.length - 3 ? c.out(dt, outSize) : c.temp(outer * inner * es);
      if (dt === "float32") c.x.reduce_f32(code, src, dst, outer, red, inner);
      else c.x.reduce_f64(code, src, dst, outer, red, inner);
      src = dst;
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
