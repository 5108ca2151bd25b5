/**
 * The state every wasm kernel works with: the runtime (kernels + memory), the heap, and a scratch
 * area for the operands of one op.
 *
 * Storage is either a `HeapBuf` (a block in the wasm heap) or, for tensors of at most SMALL_BYTES,
 * a plain typed array. Small tensors are copied into the scratch area when a kernel needs them and
 * their results copied out: that costs less than registering a heap block with the
 * FinalizationRegistry, and the garbage collector frees them like any JavaScript object.
 */
import { type DType, type TypedArray, allocTyped } from "../../core/dtype.js";
import { ValueError } from "../../core/errors.js";
import { Heap, HeapBuf, TView } from "./memory.js";
import type { WasmExports, WasmRuntime } from "./runtime.js";

/** Tensors up to this many bytes stay JavaScript typed arrays (see above). */
export let SMALL_BYTES = 64;

/** @internal For tests: move the small-tensor threshold (0 puts every tensor in the heap). Returns the old value. */
export function setSmallTensorBytes(bytes: number): number {
  const old = SMALL_BYTES;
  SMALL_BYTES = bytes;
  return old;
}
const SCRATCH_BYTES = 64 * 1024;
const META_BYTES = 4096;

export type Storage = TypedArray | HeapBuf | TView;

/** dtype codes of the C kernels (cast) and element sizes. */
export const DT_CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };
export const DT_SIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const DT_KIND: Record<DType, 0 | 1 | 2 | 3> = { float32: 0, float64: 1, int32: 2, bool: 3 };

function disposedError(): ValueError {
  return new ValueError("wasm backend: a tensor's memory was used after it was disposed");
}

export class Ctx {
  readonly rt: WasmRuntime;
  readonly heap: Heap;
  readonly x: WasmExports;
  /** Byte offset of a 4 KiB area for kernel metadata (shapes, strides). */
  readonly meta: number;
  private readonly scratchBase: number;
  private readonly scratchEnd: number;
  private scratchTop: number;
  /** Blocks to free when the op ends: flat [ptr, bytes] pairs. */
  private readonly temps: number[] = [];
  /** The pending output: its pointer, and a HeapBuf when it lives in the heap (null: small, in scratch). */
  private outBuf: HeapBuf | null = null;
  private outPtrV = 0;
  private outDType: DType = "float32";
  private outSize = 0;

  constructor(rt: WasmRuntime) {
    this.rt = rt;
    this.x = rt.exports;
    this.heap = new Heap(rt.memory, rt.exports.__heap_base.value as number, rt.maxBytes);
    this.meta = this.heap.allocRaw(META_BYTES);
    this.scratchBase = this.heap.allocRaw(SCRATCH_BYTES);
    this.scratchEnd = this.scratchBase + SCRATCH_BYTES;
    this.scratchTop = this.scratchBase;
  }

  /** Starts an op: the scratch area is empty; a pending spill (heap over budget) happens now. */
  begin(): void {
    if (this.heap.overBudget) this.heap.spill();
    this.scratchTop = this.scratchBase;
    this.outBuf = null;
  }

  /** A new heap storage of `size` elements of `dtype`. */
  alloc(dtype: DType, size: number): HeapBuf {
    return this.heap.allocBuf(size * DT_SIZE[dtype], DT_KIND[dtype]);
  }

  /** Ends an op: frees temporary blocks. */
  end(): void {
    const t = this.temps;
    if (t.length === 0) return; // the common case: setting length is not free
    for (let i = 0; i < t.length; i += 2) this.heap.freeRaw(t[i], t[i + 1]);
    t.length = 0;
  }

  /** A 16-byte aligned block that lives until the op ends. */
  temp(bytes: number): number {
    const size = (bytes + 15) & ~15;
    if (this.scratchTop + size <= this.scratchEnd) {
      const p = this.scratchTop;
      this.scratchTop += size;
      return p;
    }
    const p = this.heap.allocRaw(size);
    this.temps.push(p, size);
    return p;
  }

  /** The heap address of an input's data (small inputs are copied into scratch). */
  ptr(s: Storage, dtype: DType): number {
    if (s instanceof HeapBuf) {
      const cell = s.cell;
      if (cell.ptr >= 0) return cell.ptr;
      if (!cell.live) throw disposedError();
      return this.heap.restore(s);
    }
    if (s instanceof TView) return this.ptr(this.materialize(s, dtype), dtype);
    const p = this.temp(s.byteLength);
    this.put(s, dtype, p);
    return p;
  }

  /** Copies a typed array into the heap at byte offset p. */
  put(s: TypedArray, dtype: DType, p: number): void {
    const h = this.heap;
    if (s.length <= 16) {
      // A small tensor: a loop costs less than set()'s call.
      const v = dtype === "float32" ? h.f32 : dtype === "float64" ? h.f64 : dtype === "int32" ? h.i32 : h.u8;
      const o = dtype === "float64" ? p >>> 3 : dtype === "bool" ? p : p >>> 2;
      for (let i = 0; i < s.length; i++) v[o + i] = s[i];
      return;
    }
    switch (dtype) {
      case "float32": h.f32.set(s as Float32Array, p >>> 2); break;
      case "float64": h.f64.set(s as Float64Array, p >>> 3); break;
      case "int32": h.i32.set(s as Int32Array, p >>> 2); break;
      case "bool": h.u8.set(s as Uint8Array, p); break;
    }
  }

  /** Reserves the output of the op; returns its heap address. Call `result()` after the kernel ran. */
  out(dtype: DType, size: number): number {
    const bytes = size * DT_SIZE[dtype];
    this.outDType = dtype;
    this.outSize = size;
    if (bytes <= SMALL_BYTES) {
      this.outBuf = null;
      this.outPtrV = this.temp(bytes);
    } else {
      this.outBuf = this.alloc(dtype, size);
      this.outPtrV = this.outBuf.cell.ptr;
    }
    return this.outPtrV;
  }

  /** Frees the reserved output of a kernel that declined after reserving it. */
  abandon(): void {
    if (this.outBuf !== null) this.heap.disposeBuf(this.outBuf);
    this.outBuf = null;
  }

  /** The output's storage (copied out of scratch when small). */
  result(): Storage {
    if (this.outBuf !== null) return this.outBuf;
    return this.slice(this.outPtrV, this.outDType, this.outSize);
  }

  /** A fresh typed array holding `size` elements at byte offset p. */
  slice(p: number, dtype: DType, size: number): TypedArray {
    const h = this.heap;
    if (size <= 16) {
      // A small result (a scalar, mostly): a loop into a fresh array costs less than slice().
      const v = dtype === "float32" ? h.f32 : dtype === "float64" ? h.f64 : dtype === "int32" ? h.i32 : h.u8;
      const o = dtype === "float64" ? p >>> 3 : dtype === "bool" ? p : p >>> 2;
      const y = allocTyped(dtype, size);
      for (let i = 0; i < size; i++) y[i] = v[o + i];
      return y;
    }
    switch (dtype) {
      case "float32": return h.f32.slice(p >>> 2, (p >>> 2) + size);
      case "float64": return h.f64.slice(p >>> 3, (p >>> 3) + size);
      case "int32": return h.i32.slice(p >>> 2, (p >>> 2) + size);
      case "bool": return h.u8.slice(p, p + size);
    }
  }

  /** A typed array over an input's data without copying (valid until the next allocation). */
  view(s: Storage, dtype: DType, size: number): TypedArray {
    if (s instanceof TView) s = this.materialize(s, dtype);
    if (!(s instanceof HeapBuf)) return s;
    const cell = s.cell;
    if (cell.ptr >= 0) return this.viewAt(cell.ptr, dtype, size);
    if (!cell.live) throw disposedError();
    return cell.arr!;
  }

  viewAt(p: number, dtype: DType, size: number): TypedArray {
    const h = this.heap;
    switch (dtype) {
      case "float32": return h.f32.subarray(p >>> 2, (p >>> 2) + size);
      case "float64": return h.f64.subarray(p >>> 3, (p >>> 3) + size);
      case "int32": return h.i32.subarray(p >>> 2, (p >>> 2) + size);
      case "bool": return h.u8.subarray(p, p + size);
    }
  }

  /** The transposed copy of a lazy transpose (made on first need, then kept with the view). */
  materialize(v: TView, dtype: DType): HeapBuf {
    if (v.cache !== null) return v.cache;
    if (v.refs <= 0) throw disposedError();
    const src = this.ptr(v.base, dtype);
    const size = v.batch * v.m * v.n;
    const buf = this.alloc(dtype, size);
    if (DT_SIZE[dtype] === 8) this.x.transpose_w8(src, buf.cell.ptr, v.batch, v.m, v.n);
    else this.x.transpose_w4(src, buf.cell.ptr, v.batch, v.m, v.n);
    v.cache = buf;
    return buf;
  }

  /** Drops one tensor's claim on a storage (dispose). */
  release(s: Storage): void {
    if (s instanceof HeapBuf) this.heap.disposeBuf(s);
    else if (s instanceof TView) {
      if (--s.refs > 0) return;
      this.heap.disposeBuf(s.base);
      if (s.cache !== null) this.heap.disposeBuf(s.cache);
      s.cache = null;
    }
  }

  /** Storage for a typed array computed in JavaScript: kept when small, else copied into the heap. */
  adopt(a: TypedArray, dtype: DType): Storage {
    if (a.byteLength <= SMALL_BYTES && a.buffer !== this.heap.u8.buffer) return a;
    const buf = this.alloc(dtype, a.length);
    this.put(a, dtype, buf.cell.ptr);
    return buf;
  }

  private gemmWorkPtr = -1;
  /** The GEMM packing workspace of the calling thread (allocated once). */
  gemmWork(): number {
    if (this.gemmWorkPtr < 0) this.gemmWorkPtr = this.heap.allocRaw(this.x.gemm_work_bytes());
    return this.gemmWorkPtr;
  }

  /** Writes int32 values into the metadata area. */
  writeMeta(values: readonly number[]): number {
    this.heap.i32.set(values, this.meta >>> 2);
    return this.meta;
  }
}
