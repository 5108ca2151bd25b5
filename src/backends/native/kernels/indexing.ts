/**
 * Gathers and scatters on the native backend. takeAlongAxis and its transpose scatterAddAlongAxis
 * (max pooling's pick and its derivative) are native; they decline on an out-of-range index, and the
 * reference kernel then throws its error. take and scatterAdd (labels, embedding lookups) use the
 * reference kernels on the same arrays.
 */
import { allocOut } from "../arrays.js";
import type { AlongAxisParams, ScatterAddParams } from "../../../ops/prims/indexing.js";
import { DT, type NativeKernel, WIDTH, sizeOf } from "../context.js";

function around(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

const takeAlongAxis: NativeKernel<AlongAxisParams> = (c, [x, idx], [xv, iv], { axis }, out) => {
  const y = allocOut(out.dtype, sizeOf(out.shape));
  const [outer, n, inner] = around(xv.shape, axis);
  return c.N.takeAlong(WIDTH[xv.dtype], x, idx, y, outer, n, iv.shape[axis], inner) ? y : null;
};

const scatterAddAlongAxis: NativeKernel<ScatterAddParams> = (c, [idx, upd], [iv], { axis, dimSize }, out) => {
  const dt = out.dtype;
  if (dt !== "float32" && dt !== "float64") return null;
  const y = allocOut(dt, sizeOf(out.shape));
  const [outer, m, inner] = around(iv.shape, axis);
  return c.N.scatterAlong(DT[dt], idx, upd, y, outer, m, dimSize, inner) ? y : null;
};

export const indexingEntries = {
  take: { fallback: "index checks and errors as in the reference; reads the same arrays" },
  scatterAdd: { fallback: "index checks and errors as in the reference; reads the same arrays" },
  takeAlongAxis: { native: takeAlongAxis },
  scatterAddAlongAxis: { native: scatterAddAlongAxis },
};
