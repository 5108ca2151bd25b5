/**
 * Output arrays of the native kernels. Allocating a typed array costs microseconds (V8 gives each its
 * own zeroed, garbage-tracked backing store), more than a small kernel takes, so:
 * - small outputs (at most SLAB_MAX bytes) are views carved from shared 64 KiB slabs: an ArrayBuffer
 *   lives while any view of it does, and the garbage collector frees it after;
 * - outputs are recycled. When a transform releases its intermediates (or a program calls dispose),
 *   the arrays this backend allocated for them go back to a free list by dtype and length, and the
 *   next kernel output of that size reuses one: a training step then runs on the same, cache-warm
 *   memory every iteration, without zero-filling fresh pages or waiting for the garbage collector.
 * Only arrays the backend allocated itself are recycled, once every tensor holding one was disposed
 * (`markShared` counts the extra holders a reshape makes); a holder left to the garbage collector
 * keeps the array from the free lists for good, and arrays that came from the user (fromTyped) are
 * never owned. Everything else is left to the garbage collector as before; the free
 * lists hold at most MAX_POOLED_BYTES, and at most MAX_SMALL_PER_SIZE small views per size.
 */
import { type DType, type TypedArray, allocTyped, dtypeOfTyped } from "../../core/dtype.js";

const SLAB_MAX = 1024;
const SLAB_BYTES = 64 * 1024;
const MAX_SMALL_PER_SIZE = 64;
const UNZEROED_MIN = 64 * 1024;
const MAX_POOLED_BYTES = 256 * 1024 * 1024;
const WIDTH: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

const owned = new WeakSet<TypedArray>();
/** Owned arrays that more than one tensor holds, with the number of holders. */
const holders = new WeakMap<TypedArray, number>();
const free: Record<DType, Map<number, TypedArray[]>> = { float32: new Map(), float64: new Map(), int32: new Map(), bool: new Map() };
let pooledBytes = 0;
let reused = 0;
let freshBytes = 0;
let recycled = 0;

/**
 * An array for a kernel's output, of `n` elements. Its contents are unspecified (recycled, or not
 * zero-filled when large): kernels must write every element (or fill first).
 */
export function allocOut(dtype: DType, n: number): TypedArray {
  const list = free[dtype].get(n);
  if (list !== undefined && list.length > 0) {
    const a = list.pop()!;
    pooledBytes -= a.byteLength;
    reused++;
    return a;
  }
  const bytes = n * WIDTH[dtype];
  freshBytes += bytes;
  const a = bytes <= SLAB_MAX ? carve(dtype, n, bytes) : bytes >= UNZEROED_MIN ? unzeroed(dtype, n, bytes) : allocTyped(dtype, n);
  owned.add(a);
  return a;
}

const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(bytes: number): Uint8Array } }).Buffer;

/**
 * A large array whose memory is not zero-filled first (Node's Buffer.allocUnsafeSlow: malloc instead
 * of calloc). Every native kernel writes each element of its output, so the zeros were wasted: a
 * memory pass, and for fresh pages a page fault each.
 */
function unzeroed(dtype: DType, n: number, bytes: number): TypedArray {
  if (NodeBuffer === undefined) return allocTyped(dtype, n);
  const u8 = NodeBuffer.allocUnsafeSlow(bytes);
  switch (dtype) {
    case "float32":
      return new Float32Array(u8.buffer, u8.byteOffset, n);
    case "float64":
      return new Float64Array(u8.buffer, u8.byteOffset, n);
    case "int32":
      return new Int32Array(u8.buffer, u8.byteOffset, n);
    case "bool":
      return new Uint8Array(u8.buffer, u8.byteOffset, n);
  }
}

let slab = new ArrayBuffer(SLAB_BYTES);
let slabTop = 0;

/** A view of n elements from the current slab (8-byte aligned), starting a new slab when it is full. */
function carve(dtype: DType, n: number, bytes: number): TypedArray {
  if (slabTop + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabTop = 0;
  }
  const at = slabTop;
  slabTop += (bytes + 7) & ~7;
  switch (dtype) {
    case "float32":
      return new Float32Array(slab, at, n);
    case "float64":
      return new Float64Array(slab, at, n);
    case "int32":
      return new Int32Array(slab, at, n);
    case "bool":
      return new Uint8Array(slab, at, n);
  }
}

/** Whether `a` is an array this backend allocated (not one that came from the user). */
export function isOwned(a: TypedArray): boolean {
  return owned.has(a);
}

/** One more tensor now holds `a` (a reshape shares its input's array): it is recycled only when every holder was disposed. */
export function markShared(a: TypedArray): void {
  if (owned.has(a)) holders.set(a, (holders.get(a) ?? 1) + 1);
}

/** A tensor holding `a` was disposed: keep the array for reuse when this backend owns it alone. */
export function recycle(a: TypedArray): void {
  if (!owned.has(a)) return;
  const h = holders.get(a);
  if (h !== undefined) {
    if (h > 2) holders.set(a, h - 1);
    else holders.delete(a);
    return;
  }
  if (pooledBytes + a.byteLength > MAX_POOLED_BYTES) return;
  const lists = free[dtypeOfTyped(a)];
  let list = lists.get(a.length);
  if (list === undefined) lists.set(a.length, (list = []));
  else if (a.byteLength <= SLAB_MAX && list.length >= MAX_SMALL_PER_SIZE) return; // each pins its slab
  list.push(a);
  pooledBytes += a.byteLength;
  recycled++;
}

/** Counters for memoryInfo(). */
export function arrayStats(): { pooledBytes: number; recycled: number; reused: number; freshBytes: number } {
  return { pooledBytes, recycled, reused, freshBytes };
}

/** @internal For tests: empties the free lists. */
export function clearPool(): void {
  for (const m of Object.values(free)) m.clear();
  pooledBytes = 0;
}
