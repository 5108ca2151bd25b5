/**
 * Lazy transposes on the native backend. A transpose of the last two axes of an array this backend
 * allocated returns a view instead of a copy: matmul reads the view's base through strides (the
 * reverse pass of x @ w multiplies by both operands' transposes, so those copies are all saved);
 * any other consumer gets a copy, made once and kept with the view. A view is one more holder of its
 * base (markShared), released when the view is disposed, so the base is never recycled while a view
 * of it can still be read.
 */
import type { DType, TypedArray } from "../../core/dtype.js";
import { allocOut, recycle } from "./arrays.js";
import { type NativeCtx, WIDTH } from "./context.js";

export class TransposedView {
  /** The copy made for consumers that do not read strides (null until one asks). */
  copy: TypedArray | null = null;
  /** `base` holds [batch, m, k]; the view is [batch, k, m]. */
  constructor(
    readonly base: TypedArray,
    readonly dtype: DType,
    readonly batch: number,
    readonly m: number,
    readonly k: number,
  ) {}
}

/** Writes the transpose of the last two axes of x ([batch, m, k]) into a new array. */
export function transposeCopy(c: NativeCtx, x: TypedArray, dt: DType, batch: number, m: number, k: number): TypedArray {
  const y = allocOut(dt, batch * m * k);
  if (y.length > 0) c.N.transpose(WIDTH[dt], x, y, batch, m, k);
  return y;
}

/** The array of a storage: a view's copy (made on first use), else the array itself. */
export function materialize(c: NativeCtx, s: TypedArray | TransposedView): TypedArray {
  if (!(s instanceof TransposedView)) return s;
  return (s.copy ??= transposeCopy(c, s.base, s.dtype, s.batch, s.m, s.k));
}

/** Inputs with every view replaced by its copy (the same list when there is none). */
export function materializeAll(c: NativeCtx, inputs: unknown[]): TypedArray[] {
  let out: unknown[] | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const s = inputs[i];
    if (s instanceof TransposedView) (out ??= inputs.slice())[i] = materialize(c, s);
  }
  return (out ?? inputs) as TypedArray[];
}

/** A view was disposed: it no longer holds its base nor its copy. */
export function releaseView(v: TransposedView): void {
  recycle(v.base);
  if (v.copy !== null) recycle(v.copy);
  v.copy = null;
}
