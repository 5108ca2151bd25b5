/**
 * Matrix products on the native backend: the packed, cache-blocked GEMM with AVX-512, AVX2+FMA or
 * portable micro-kernels (native/node/src/gemm.c), float32 and float64, over every batch element;
 * large products are split over the thread pool. Its operands may be lazy transposes (views.ts).
 */
import type { TypedArray } from "../../../core/dtype.js";
import { matmulDims } from "../../../core/shape.js";
import { allocOut } from "../arrays.js";
import { DT, type NativeKernel } from "../context.js";
import { TransposedView, materialize } from "../views.js";

type NoParams = Record<string, never>;

const matmul: NativeKernel<NoParams> = (c, inputs, [av, bv], _p, out) => {
  const [a, b] = inputs as (TypedArray | TransposedView)[];
  const dt = out.dtype;
  if (dt !== "float32" && dt !== "float64") return null;
  const { batch, m, k, n } = matmulDims(av.shape, bv.shape);
  const y = allocOut(dt, batch * m * n);
  // A lazy transpose (views.ts) is read in place: the GEMM gets its base with swapped strides. The
  // vector operand of a batched matrix-vector product is one column per batch element, which a
  // transpose's base does not hold: it gets the view's copy.
  const ta = a instanceof TransposedView;
  const vector = bv.shape.length < av.shape.length;
  const tb = !vector && b instanceof TransposedView;
  c.scalars(DT[dt], batch, m, n, k, ta ? 1 : 0, tb ? 1 : 0);
  c.N.matmul(ta ? (a as TransposedView).base : a, tb ? (b as TransposedView).base : materialize(c, b), y);
  return y;
};

export const matmulEntries = {
  matmul: { native: matmul },
};
