/**
 * What every native kernel works with: the addon and the two metadata arrays it reads shapes and
 * scalars from (shared once, so a call passes only codes and the tensors' own arrays).
 */
import type { DType, TypedArray } from "../../core/dtype.js";
import type { Aval } from "../backend.js";
import type { NativeAddon } from "./addon.js";
import type { TransposedView } from "./views.js";

/** dtype codes of the C kernels (the same numbers as the wasm backend's). */
export const DT: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };
/** Bytes per element. */
export const WIDTH: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** Where unary, binary, compare, matmul, logSoftmax and dots read their integer arguments in `mi` (SCALARS_AT in addon.c). */
export const SCALARS_AT = 240;

export class NativeCtx {
  readonly N: NativeAddon;
  /** int32 metadata: shapes, strides, geometry (large enough for rank-16 broadcasts of four operands), then from SCALARS_AT a call's integers. */
  readonly mi = new Int32Array(256);
  /** float64 scalars (the fused Adam constants). */
  readonly mf = new Float64Array(16);
  /** The instruction set the kernels use, and the ones this CPU supports (best first). */
  isa: string;
  readonly isas: string[];
  threads: number;

  constructor(addon: NativeAddon) {
    this.N = addon;
    const info = addon.init(this.mi, this.mf);
    this.isa = info.isa;
    this.isas = info.isas.split(",");
    this.threads = info.threads;
  }

  /** Sets the integer arguments of the next unary, binary, compare, matmul, logSoftmax or dots call. */
  scalars(a: number, b: number, c = 0, d = 0, e = 0, f = 0, g = 0): void {
    const mi = this.mi;
    mi[SCALARS_AT] = a;
    mi[SCALARS_AT + 1] = b;
    mi[SCALARS_AT + 2] = c;
    mi[SCALARS_AT + 3] = d;
    mi[SCALARS_AT + 4] = e;
    mi[SCALARS_AT + 5] = f;
    mi[SCALARS_AT + 6] = g;
  }
}

/**
 * A native kernel: the output's typed array (or a lazy transpose, views.ts), or null to decline (the
 * reference kernel then runs on the same arrays). Inputs are arrays, except for the kernels the
 * backend lists as reading views.
 */
export type NativeKernel<P> = (c: NativeCtx, inputs: TypedArray[], avals: Aval[], params: P, out: Aval) => TypedArray | TransposedView | null;

/** How the native backend runs one primitive: a native kernel (which may decline), or the reference kernel, with the reason. */
export type Entry<P> = { readonly native: NativeKernel<P> } | { readonly fallback: string };

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}
