/** The fused Adam update (native/node/src/isa/adam.c): one pass over a parameter instead of about twelve ops. */
import type { AdamConstants, FusedAdamResult } from "../../backend.js";
import type { DType, TypedArray } from "../../../core/dtype.js";
import { allocOut } from "../arrays.js";
import { DT, type NativeCtx } from "../context.js";

export function fusedAdam(c: NativeCtx, g: TypedArray, p: TypedArray | null, m: TypedArray, v: TypedArray, vmax: TypedArray | null, dtype: DType, size: number, k: AdamConstants): FusedAdamResult | null {
  if (dtype !== "float32" && dtype !== "float64") return null;
  // Constants are rounded to the dtype exactly as the unfused ops round their scalar operands.
  const r = dtype === "float32" ? Math.fround : (x: number) => x;
  const f = c.mf;
  f[0] = r(k.b1);
  f[1] = r(1 - k.b1);
  f[2] = r(k.b2);
  f[3] = r(1 - k.b2);
  f[4] = r(k.eps);
  f[5] = r(k.stepScale);
  f[6] = r(k.bc2Sqrt);
  f[7] = r(k.l2);
  f[8] = r(k.decoupled);
  const u = allocOut(dtype, size);
  const mo = allocOut(dtype, size);
  const vo = allocOut(dtype, size);
  const vmo = vmax === null ? null : allocOut(dtype, size);
  c.N.adam(DT[dtype], g, p, m, v, vmax, u, mo, vo, vmo);
  return { update: u, m: mo, v: vo, vmax: vmo };
}
