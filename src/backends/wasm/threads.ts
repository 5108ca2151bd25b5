/**
 * Worker threads for large kernels (stage c). Until the pool is running, everything runs on the
 * calling thread.
 */
import type { Ctx } from "./context.js";

/** Runs a GEMM split over the worker pool; false when it should run on this thread. */
export function parallelGemm(_c: Ctx, _f32: boolean, _a: number, _rsa: number, _csa: number, _b: number, _rsb: number, _csb: number, _out: number, _ldc: number, _m: number, _n: number, _k: number): boolean {
  return false;
}
