/**
 * Gathers and scatters on the wasm backend. takeAlongAxis and scatterAddAlongAxis (max pooling,
 * losses) run natively; on an out-of-range index the kernel stops and the reference kernel reruns
 * to throw its error. take and scatterAdd use the reference kernels on heap views (no copy in).
 */
import type { AlongAxisParams, ScatterAddParams } from "../../../ops/prims/indexing.js";
import type { NativeKernel } from "./types.js";
import { widthOf } from "./elementwise.js";

function around(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

const takeAlongAxis: NativeKernel<AlongAxisParams> = (c, [x, idx], [xv, iv], { axis }, out) => {
  const w = widthOf(xv.dtype);
  if (w === 1) return null;
  const [outer, n, inner] = around(xv.shape, axis);
  const m = iv.shape[axis];
  const px = c.ptr(x, xv.dtype);
  const pi = c.ptr(idx, "int32");
  const py = c.out(out.dtype, outer * m * inner);
  if (outer * m * inner === 0) return c.result();
  const bad = w === 4 ? c.x.take_along_w4(px, pi, py, outer, n, m, inner) : c.x.take_along_w8(px, pi, py, outer, n, m, inner);
  return bad ? null : c.result();
};

const scatterAddAlongAxis: NativeKernel<ScatterAddParams> = (c, [idx, upd], [iv, uv], { axis, dimSize }, out) => {
  const dt = uv.dtype;
  if (dt !== "float32" && dt !== "float64") return null;
  const [outer, m, inner] = around(iv.shape, axis);
  const pi = c.ptr(idx, "int32");
  const pu = c.ptr(upd, dt);
  const py = c.out(dt, outer * dimSize * inner);
  if (outer * dimSize * inner === 0) return c.result();
  const bad = dt === "float32" ? c.x.scatter_along_f32(pi, pu, py, outer, dimSize, m, inner) : c.x.scatter_along_f64(pi, pu, py, outer, dimSize, m, inner);
  return bad ? null : c.result();
};

export const indexingEntries = {
  take: { fallback: "index checks and errors as in the reference; reads heap views directly" },
  scatterAdd: { fallback: "index checks and errors as in the reference; reads heap views directly" },
  takeAlongAxis: { native: takeAlongAxis },
  scatterAddAlongAxis: { native: scatterAddAlongAxis },
};
