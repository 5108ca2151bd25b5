/** The fused Adam update (native/wasm/optim.c): one pass over a parameter instead of about twelve ops. */
import type { AdamConstants, FusedAdamResult } from "../../backend.js";
import type { DType } from "../../../core/dtype.js";
import type { Ctx, Storage } from "../context.js";
import { SMALL_BYTES } from "../context.js";

export function fusedAdam(c: Ctx, g: Storage, p: Storage | null, m: Storage, v: Storage, vmax: Storage | null, dtype: DType, size: number, k: AdamConstants): FusedAdamResult | null {
  if (dtype !== "float32" && dtype !== "float64") return null;
  const f32 = dtype === "float32";
  const es = f32 ? 4 : 8;
  const bytes = size * es;
  c.begin();
  try {
    const pg = c.ptr(g, dtype);
    const pp = p === null ? 0 : c.ptr(p, dtype);
    const pm = c.ptr(m, dtype);
    const pv = c.ptr(v, dtype);
    const pvm = vmax === null ? 0 : c.ptr(vmax, dtype);
    // Four outputs: small ones in scratch (copied out), large ones as heap buffers.
    const outs: (Storage | number)[] = [];
    const nOut = vmax === null ? 3 : 4;
    const ptrs: number[] = [];
    for (let i = 0; i < nOut; i++) {
      if (bytes <= SMALL_BYTES) {
        const t = c.temp(bytes);
        ptrs.push(t);
        outs.push(t);
      } else {
        const b = c.alloc(dtype, size);
        ptrs.push(b.cell.ptr);
        outs.push(b);
      }
    }
    // Constants are rounded to the dtype exactly as the unfused ops round their scalar operands.
    const r = f32 ? Math.fround : (x: number) => x;
    const args = [r(k.b1), r(1 - k.b1), r(k.b2), r(1 - k.b2), r(k.eps), r(k.stepScale), r(k.bc2Sqrt), r(k.l2), r(k.decoupled)] as const;
    (f32 ? c.x.adam_f32 : c.x.adam_f64)(pg, pp, pm, pv, pvm, ptrs[0], ptrs[1], ptrs[2], nOut === 4 ? ptrs[3] : 0, size, ...args);
    const res = outs.map((o) => (typeof o === "number" ? c.slice(o, dtype, size) : o));
    return { update: res[0], m: res[1], v: res[2], vmax: nOut === 4 ? res[3] : null };
  } finally {
    c.end();
  }
}
