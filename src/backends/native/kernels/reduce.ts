/**
 * Reductions on the native backend: sum, prod, max, min over any axes for float32/float64. Adjacent
 * reduced axes form one [outer, red, inner] pass; separate blocks run one after another, the last
 * first. float32 sums and products accumulate in double, as the reference's JavaScript numbers do.
 * logSoftmax along any axis (in double, as the reference). Declined: int32 (the
 * reference's wrapping rules). argmax, argmin and cumsum use the reference kernels.
 */
import { allocOut } from "../arrays.js";
import type { LogSoftmaxParams, ReduceParams } from "../../../ops/prims/reduce.js";
import { DT, type NativeKernel } from "../context.js";
import { reductionPasses } from "../../../core/shape.js";

const R = { sum: 0, prod: 1, max: 2, min: 3 } as const;

function reduce(code: number): NativeKernel<ReduceParams> {
  return (c, [x], [xv], { axes }, out) => {
    const dt = xv.dtype;
    if (dt !== "float32" && dt !== "float64") return null;
    let outSize = 1;
    for (const d of out.shape) outSize *= d;
    if (axes.length === 0) return x.slice();
    const passes = reductionPasses(xv.shape, axes);
    let src = x;
    for (let p = 0; p < passes.length; p += 3) {
      const outer = passes[p];
      const red = passes[p + 1];
      const inner = passes[p + 2];
      const dst = allocOut(dt, p === passes.length - 3 ? outSize : outer * inner);
      c.N.reduce(code, DT[dt], src, dst, outer, red, inner);
      src = dst;
    }
    return src;
  };
}

const logSoftmax: NativeKernel<LogSoftmaxParams> = (c, [x], [xv], { axis }, out) => {
  const dt = xv.dtype;
  if (dt !== "float32" && dt !== "float64") return null;
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= xv.shape[i];
  for (let i = axis + 1; i < xv.shape.length; i++) inner *= xv.shape[i];
  const n = xv.shape[axis];
  const y = allocOut(dt, outer * n * inner);
  if (y.length === 0) return y;
  c.scalars(DT[dt], outer, n, inner);
  c.N.logSoftmax(x, y);
  return y;
};

export const reduceEntries = {
  sum: { native: reduce(R.sum) },
  prod: { native: reduce(R.prod) },
  max: { native: reduce(R.max) },
  min: { native: reduce(R.min) },
  argmax: { fallback: "index results, rarely hot; the reference kernel reads the same arrays" },
  argmin: { fallback: "index results, rarely hot; the reference kernel reads the same arrays" },
  cumsum: { fallback: "a sequential scan; the reference kernel reads the same arrays" },
  logSoftmax: { native: logSoftmax },
};
