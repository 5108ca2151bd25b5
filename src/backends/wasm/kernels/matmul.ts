/**
 * Matrix products on the wasm backend: packed, cache-blocked SIMD GEMM (native/wasm/matmul.c) for
 * float32 and float64, one call per batch element. Large products are split over worker threads
 * (threads.ts) by rows or columns of the output.
 */
import type { Ctx } from "../context.js";
import type { NativeKernel } from "./types.js";
import { parallelGemm } from "../threads.js";

type NoParams = Record<string, never>;

/** Up to this many multiply-adds a product runs without packing (matmul_small_*). */
const SMALL_MACS = 32 * 32 * 32;

const matmul: NativeKernel<NoParams> = (c, [a, b], [av, bv], _p, out) => {
  const dt = out.dtype;
  if (dt !== "float32" && dt !== "float64") return null;
  const r = av.shape.length;
  const m = av.shape[r - 2];
  const k = av.shape[r - 1];
  const n = bv.shape[r - 1];
  let batch = 1;
  for (let i = 0; i < r - 2; i++) batch *= av.shape[i];
  const pa = c.ptr(a, dt);
  const pb = c.ptr(b, dt);
  const pc = c.out(dt, batch * m * n);
  const es = dt === "float32" ? 4 : 8;
  if (m * n * k <= SMALL_MACS) {
    // Small products: packing would cost more than it saves.
    for (let t = 0; t < batch; t++) {
      if (dt === "float32") c.x.matmul_small_f32(pa + t * m * k * es, pb + t * k * n * es, pc + t * m * n * es, m, n, k);
      else c.x.matmul_small_f64(pa + t * m * k * es, pb + t * k * n * es, pc + t * m * n * es, m, n, k);
    }
    return c.result();
  }
  for (let t = 0; t < batch; t++)
    gemm(c, dt === "float32", pa + t * m * k * es, k, 1, pb + t * k * n * es, n, 1, pc + t * m * n * es, n, m, n, k);
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
