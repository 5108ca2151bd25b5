/**
 * Matrix products on the wasm backend: packed, cache-blocked SIMD GEMM (native/wasm/matmul.c) for
 * float32 and float64, one call per batch element. Large products are split over worker threads
 * (threads.ts) by rows or columns of the output.
 */
import type { DType } from "../../../core/dtype.js";
import { matmulDims } from "../../../core/shape.js";
import type { Ctx, Storage } from "../context.js";
import { TView } from "../memory.js";
import type { NativeKernel } from "./types.js";
import { parallelGemm } from "../threads.js";

type NoParams = Record<string, never>;

/** Up to this many multiply-adds a product runs without packing (matmul_small_*). */
const SMALL_MACS = 32 * 32 * 32;

/** Where a matrix operand's elements are: (i, j) at ptr + (i rs + j cs) elements, batch t at + t bs. */
interface Operand {
  ptr: number;
  rs: number;
  cs: number;
  bs: number;
}

/** Resolves an operand of shape [batch, rows, cols]; a lazy transpose is read in place. */
function operand(c: Ctx, s: Storage, dt: DType, batch: number, rows: number, cols: number): Operand {
  if (s instanceof TView && s.batch === batch && s.n === rows && s.m === cols) {
    // s is base^T with base [batch, cols, rows]: element (i, j) is base(j, i).
    return { ptr: c.ptr(s.base, dt), rs: 1, cs: rows, bs: rows * cols };
  }
  return { ptr: c.ptr(s, dt), rs: cols, cs: 1, bs: rows * cols };
}

const matmul: NativeKernel<NoParams> = (c, [a, b], [av, bv], _p, out) => {
  const dt = out.dtype;
  if (dt !== "float32" && dt !== "float64") return null;
  const f32 = dt === "float32";
  const { batch, m, k, n } = matmulDims(av.shape, bv.shape);
  const A = operand(c, a, dt, batch, m, k);
  const B = operand(c, b, dt, batch, k, n);
  const pc = c.out(dt, batch * m * n);
  const es = f32 ? 4 : 8;
  for (let t = 0; t < batch; t++) {
    const pa = A.ptr + t * A.bs * es;
    const pb = B.ptr + t * B.bs * es;
    const py = pc + t * m * n * es;
    if (n === 1 && B.rs === 1 && (A.cs === 1 || A.rs === 1)) {
      if (f32) c.x.matvec_f32(pa, A.rs, A.cs, pb, py, m, k);
      else c.x.matvec_f64(pa, A.rs, A.cs, pb, py, m, k);
    } else if (m * n * k <= SMALL_MACS && B.cs === 1) {
      // Small products: packing would cost more than it saves.
      if (f32) c.x.matmul_small_f32(pa, A.rs, A.cs, pb, B.rs, py, m, n, k);
      else c.x.matmul_small_f64(pa, A.rs, A.cs, pb, B.rs, py, m, n, k);
    } else gemm(c, f32, pa, A.rs, A.cs, pb, B.rs, B.cs, py, n, m, n, k);
  }
  return c.result();
};

/** C[m x n] (leading dimension ldc) = A B with A(i, p) at a + (i rsa + p csa) elements, B likewise. */
export function gemm(c: Ctx, f32: boolean, a: number, rsa: number, csa: number, b: number, rsb: number, csb: number, out: number, ldc: number, m: number, n: number, k: number): void {
  if (m === 0 || n === 0) return;
  if (parallelGemm(c, f32, a, rsa, csa, b, rsb, csb, out, ldc, m, n, k)) return;
  const work = c.gemmWork();
  if (f32) c.x.gemm_f32(a, rsa, csa, b, rsb, csb, out, ldc, m, n, k, work, 0);
  else c.x.gemm_f64(a, rsa, csa, b, rsb, csb, out, ldc, m, n, k, work, 0);
}

export const matmulEntries = {
  matmul: { native: matmul },
};
