/**
 * Output arrays of the native kernels, recycled. When a transform releases its intermediates (or a
 * program calls dispose), the arrays this backend allocated for them go back to a free list by
 * dtype and length, and the next kernel output of that size reuses one: a training step then runs on
 * the same, cache-warm memory every iteration, without zero-filling fresh pages or waiting for the
 * garbage collector. Only arrays the backend allocated itself (at least MIN_BYTES) and never shared
 * are recycled: `markShared` takes an array out for good when a second tensor holds it (reshape), and
 * arrays that came from the user (fromTyped) are never owned. Everything else is left to the garbage
 * collector as before, and the free lists hold at most MAX_POOLED_BYTES.
 */
import { type DType, type TypedArray, allocTyped, dtypeOfTyped } from "../../core/dtype.js";

const MIN_BYTES = 4096;
const MAX_POOLED_BYTES = 256 * 1024 * 1024;
const WIDTH: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

const owned = new WeakSet<TypedArray>();
const free: Record<DType, Map<number, TypedArray[]>> = { float32: new Map(), float64: new Map(), int32: new Map(), bool: new Map() };
let pooledBytes = 0;
let reused = 0;
let recycled = 0;

/**
 * An array for a kernel's output, of `n` elements. Its contents are unspecified when it is recycled:
 * kernels must write every element (or fill first).
 */
export function allocOut(dtype: DType, n: number): TypedArray {
  const bytes = n * WIDTH[dtype];
  if (bytes < MIN_BYTES) return allocTyped(dtype, n);
  const list = free[dtype].get(n);
  if (list !== undefined && list.length > 0) {
    pooledBytes -= bytes;
    reused++;
    return list.pop()!;
  }
  const a = allocTyped(dtype, n);
  owned.add(a);
  return a;
}

/** A second tensor now holds `a` (e.g. a reshape): it is never recycled. */
export function markShared(a: TypedArray): void {
  owned.delete(a);
}

/** A tensor holding `a` was disposed: keep the array for reuse when this backend owns it alone. */
export function recycle(a: TypedArray): void {
  if (a.byteLength < MIN_BYTES || pooledBytes + a.byteLength > MAX_POOLED_BYTES || !owned.has(a)) return;
  const lists = free[dtypeOfTyped(a)];
  let list = lists.get(a.length);
  if (list === undefined) lists.set(a.length, (list = []));
  list.push(a);
  pooledBytes += a.byteLength;
  recycled++;
}

/** Counters for memoryInfo(). */
export function arrayStats(): { pooledBytes: number; recycled: number; reused: number } {
  return { pooledBytes, recycled, reused };
}

/** @internal For tests: empties the free lists. */
export function clearPool(): void {
  for (const m of Object.values(free)) m.clear();
  pooledBytes = 0;
}
