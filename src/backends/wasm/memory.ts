/**
 * The wasm backend's heap: an allocator over one WebAssembly.Memory, and the storage objects that
 * tensors hold.
 *
 * - Blocks come in size classes (16-byte steps up to 4 KiB, then 8 steps per power of two), each
 *   with a free list, so a training loop that allocates the same shapes every step reuses the same
 *   blocks and the heap stays flat. When the bump region is exhausted, the free lists are first
 *   coalesced (adjacent free blocks merged, the top trimmed); only then does the memory grow.
 * - A `HeapBuf` is the storage of a tensor that lives in the heap. It is freed (a) at once by
 *   `dispose()` when no other tensor shares it (`refs` counts the tensors created on it: a reshape
 *   shares its input's storage), or (b) by a FinalizationRegistry when it becomes unreachable.
 *   Registration costs a few hundred ns in V8, which is why small tensors do not live here (see
 *   index.ts: they stay ordinary typed arrays, collected by the garbage collector).
 * - After `memory.grow` the typed-array views are replaced (a non-shared buffer is detached), so
 *   code must read `heap.f32` etc. after any allocation, never keep a view across one.
 */
import { ValueError } from "../../core/errors.js";
import type { WasmMemory } from "./runtime.js";
import type { TypedArray } from "../../core/dtype.js";

const ALIGN = 16;
const PAGE = 65536;
const SMALL_CLASSES = 256; // classes 0..255: sizes 16, 32, ..., 4096
const SUBSTEPS = 8;
/** Allocations between registrations of the surviving buffers with the FinalizationRegistry. */
const NURSERY = 256;

/** Size class of a byte count (>= 1). */
export function classOf(bytes: number): number {
  if (bytes <= SMALL_CLASSES * ALIGN) return ((bytes + ALIGN - 1) >>> 4) - 1;
  // Above 4 KiB: 2^e * (1 + s / 8) for s = 1..8; e >= 12.
  const e = 31 - Math.clz32(bytes - 1); // 2^e < bytes <= 2^(e+1)
  const s = Math.ceil(((bytes - 2 ** e) * SUBSTEPS) / 2 ** e); // 1..8
  return SMALL_CLASSES + (e - 12) * SUBSTEPS + (s - 1);
}

/** Bytes of a size class (>= every byte count that maps to it). */
export function classSize(cls: number): number {
  if (cls < SMALL_CLASSES) return (cls + 1) * ALIGN;
  const k = cls - SMALL_CLASSES;
  const e = 12 + Math.floor(k / SUBSTEPS);
  const s = (k % SUBSTEPS) + 1;
  return 2 ** e + (2 ** e * s) / SUBSTEPS;
}

/** The largest class whose size is <= bytes (for re-filing coalesced runs), or -1. */
function floorClass(bytes: number): number {
  let c = classOf(bytes);
  while (c >= 0 && classSize(c) > bytes) c--;
  return c;
}

/**
 * Where a HeapBuf's data is: a heap block (ptr >= 0), or, after a spill, a typed array (ptr -1).
 * Resident cells form a doubly linked list so a spill can visit them without keeping tensors alive.
 * The FinalizationRegistry holds the cell of a registered buffer (until its callback runs, which is
 * never in a loop that does not yield): a spill unregisters it, so the registry never retains spilled
 * data, and a freed cell is a small object with nothing attached.
 */
export interface Cell {
  /** Byte offset of the data in the heap, or -1 (spilled or freed). */
  ptr: number;
  /** Size class of the heap block while resident. */
  cls: number;
  /** Byte length of the data. */
  bytes: number;
  /** Element type, to spill into the right typed array. */
  kind: 0 | 1 | 2 | 3;
  /** The data after a spill (null while resident). */
  arr: TypedArray | null;
  /** False once freed (disposed or collected). */
  live: boolean;
  prev: Cell | null;
  next: Cell | null;
}

/** Storage of a tensor in the wasm heap (or spilled out of it: see Heap.spill). */
export class HeapBuf {
  /** Tensors created on this storage that have not been disposed. */
  refs = 1;
  readonly cell: Cell;
  constructor(cell: Cell) {
    this.cell = cell;
  }
}

/**
 * A lazy transpose: the data of `base` (a heap tensor [batch, m, n]) seen as [batch, n, m]. Matrix
 * products read it in place through strides (the transposes in every matmul derivative cost
 * nothing); any other consumer gets a copy, made once and kept in `cache`. The view holds one claim
 * on `base` (its refs) until the view itself is disposed.
 */
export class TView {
  refs = 1;
  readonly base: HeapBuf;
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  /** The materialised transpose, once some consumer needed it. */
  cache: HeapBuf | null = null;
  constructor(base: HeapBuf, batch: number, m: number, n: number) {
    this.base = base;
    this.batch = batch;
    this.m = m;
    this.n = n;
    base.refs++;
  }
}

export interface HeapStats {
  /** Bytes held by live blocks (size classes rounded up): tensors, plus workspaces and worker stacks. */
  bytesInUse: number;
  /** Bytes of tensors resident in the heap (what the budget limits). */
  tensorBytes: number;
  /** The highest tensorBytes so far. */
  peakTensorBytes: number;
  /** Live blocks. */
  blocks: number;
  /** The WebAssembly.Memory's size. */
  memoryBytes: number;
  /** The highest bytesInUse so far. */
  peakBytesInUse: number;
  /** Blocks freed by the FinalizationRegistry (tensors collected without dispose). */
  collected: number;
  /** Blocks freed by dispose() or by a transform releasing its intermediates. */
  disposed: number;
  /** Times the heap went over its budget and moved its oldest tensors out to typed arrays (down to half the budget). */
  spills: number;
  /** Bytes copied out by spills. */
  spilledBytes: number;
  /** The soft limit on tensorBytes that triggers a spill. */
  budgetBytes: number;
}

export class Heap {
  readonly memory: WasmMemory;
  u8!: Uint8Array;
  i32!: Int32Array;
  f32!: Float32Array;
  f64!: Float64Array;
  private top: number;
  private readonly base: number;
  private readonly free: number[][] = [];
  private readonly maxBytes: number;
  private inUse = 0;
  private blocks = 0;
  private peak = 0;
  private collected = 0;
  private disposed = 0;
  private readonly registry: FinalizationRegistry<Cell>;
  /** Buffers made resident since the last flushNursery (not yet registered with the FinalizationRegistry). */
  private readonly nursery: HeapBuf[] = [];
  /** Head of the list of resident cells (most recent first). */
  private cells: Cell | null = null;
  private spills = 0;
  private tensorBytes = 0;
  private peakTensor = 0;
  private spilledBytes = 0;
  /** tensorBytes above which the next op starts with a spill. */
  budget = 256 * 1024 * 1024;
  /** Set when an allocation crossed the budget; the spill happens between ops (never inside one). */
  overBudget = false;

  constructor(memory: WasmMemory, base: number, maxBytes: number) {
    this.memory = memory;
    this.base = Math.ceil(base / ALIGN) * ALIGN;
    this.top = this.base;
    this.maxBytes = maxBytes;
    this.refresh();
    this.registry = new FinalizationRegistry((cell: Cell) => {
      if (cell.ptr < 0) return; // freed already
      this.collected++;
      cell.live = false;
      this.freeResident(cell);
    });
  }

  /** Re-creates the views after the memory grew. */
  refresh(): void {
    const b = this.memory.buffer;
    this.u8 = new Uint8Array(b);
    this.i32 = new Int32Array(b);
    this.f32 = new Float32Array(b);
    this.f64 = new Float64Array(b);
  }

  /** Allocates a raw block of at least `bytes` (>= 1); returns its address. Not tracked by the GC. */
  allocRaw(bytes: number): number {
    const cls = classOf(bytes < 1 ? 1 : bytes);
    const list = this.free[cls];
    let ptr: number;
    if (list !== undefined && list.length > 0) ptr = list.pop()!;
    else ptr = this.carve(classSize(cls));
    const size = classSize(cls);
    this.inUse += size;
    this.blocks++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return ptr;
  }

  /** Frees a block from allocRaw (give the same byte count). */
  freeRaw(ptr: number, bytes: number): void {
    this.release(ptr, classOf(bytes < 1 ? 1 : bytes));
  }

  /** A tensor storage of `bytes` (element kind 0 f32, 1 f64, 2 i32, 3 u8), freed when unreachable or disposed. */
  allocBuf(bytes: number, kind: 0 | 1 | 2 | 3): HeapBuf {
    const cell: Cell = { ptr: -1, cls: 0, bytes, kind, arr: null, live: true, prev: null, next: null };
    const buf = new HeapBuf(cell);
    this.makeResident(buf);
    return buf;
  }

  /** Gives a cell a heap block and registers its HeapBuf with the FinalizationRegistry. */
  private makeResident(buf: HeapBuf): number {
    const cell = buf.cell;
    const bytes = cell.bytes;
    const cls = classOf(bytes < 1 ? 1 : bytes);
    const ptr = this.allocRaw(bytes);
    this.tensorBytes += classSize(cls);
    if (this.tensorBytes > this.peakTensor) this.peakTensor = this.tensorBytes;
    if (this.tensorBytes > this.budget) this.overBudget = true;
    cell.ptr = ptr;
    cell.cls = cls;
    cell.prev = null;
    cell.next = this.cells;
    if (this.cells !== null) this.cells.prev = cell;
    this.cells = cell;
    // Registration is deferred (see flushNursery): most buffers are disposed within a few ops.
    const nursery = this.nursery;
    nursery.push(buf);
    if (nursery.length >= NURSERY) this.flushNursery();
    return ptr;
  }

  /**
   * Registers the recent buffers that are still resident with the FinalizationRegistry. A
   * registration costs a few hundred ns, and in a loop that never yields the registry keeps each
   * entry until its callback runs; buffers disposed while in the nursery (a transform's
   * intermediates, results disposed at once) never pay either. The nursery holds its buffers
   * strongly, so a dropped tensor is freed at most NURSERY allocations late.
   */
  private flushNursery(): void {
    const nursery = this.nursery;
    for (let i = 0; i < nursery.length; i++) {
      const b = nursery[i];
      const cell = b.cell;
      if (cell.ptr >= 0) this.registry.register(b, cell, cell);
    }
    nursery.length = 0;
  }

  /** Brings a spilled buffer back into the heap; returns its address. */
  restore(buf: HeapBuf): number {
    const arr = buf.cell.arr!;
    const ptr = this.makeResident(buf);
    new Uint8Array(this.memory.buffer, ptr, arr.byteLength).set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    buf.cell.arr = null;
    return ptr;
  }

  /** Drops one tensor's claim on `buf`; frees the block when none is left. */
  disposeBuf(buf: HeapBuf): void {
    const cell = buf.cell;
    if (!cell.live || --buf.refs > 0) return;
    this.disposed++;
    cell.live = false;
    cell.arr = null;
    if (cell.ptr >= 0) this.freeResident(cell);
  }

  /** Frees a resident cell's block and takes it off the resident list. */
  private freeResident(cell: Cell): void {
    this.release(cell.ptr, cell.cls);
    this.tensorBytes -= classSize(cell.cls);
    cell.ptr = -1;
    if (cell.prev !== null) cell.prev.next = cell.next;
    else this.cells = cell.next;
    if (cell.next !== null) cell.next.prev = cell.prev;
    cell.prev = cell.next = null;
  }

  /**
   * Moves the oldest resident tensors out of the heap into typed arrays, until half the budget is
   * left, so that the garbage collector can free the ones that are no longer reachable. Called between
   * ops when tensorBytes went over the budget: in a synchronous loop the FinalizationRegistry never
   * gets to run, and this bounds the heap. Oldest first (in the order they became resident), because
   * in a loop that does not dispose, the old tensors are mostly dropped ones, while the newest (this
   * step's parameters and state) are live and would only be copied back. A spilled tensor that is
   * still live comes back into the heap (one copy) the next time a kernel reads it.
   */
  spill(): void {
    this.overBudget = false;
    this.spills++;
    // The list runs newest first: find its tail, then walk back towards the head.
    let c = this.cells;
    while (c !== null && c.next !== null) c = c.next;
    const target = this.budget / 2;
    while (c !== null && this.tensorBytes > target) {
      const prev = c.prev;
      const ptr = c.ptr;
      const b = this.memory.buffer;
      const n = c.bytes;
      switch (c.kind) {
        // slice() copies into a fresh (non-shared) ArrayBuffer that the garbage collector owns.
        case 0: c.arr = new Float32Array(b, ptr, n >>> 2).slice(); break;
        case 1: c.arr = new Float64Array(b, ptr, n >>> 3).slice(); break;
        case 2: c.arr = new Int32Array(b, ptr, n >>> 2).slice(); break;
        default: c.arr = new Uint8Array(b, ptr, n).slice(); break;
      }
      // The registry must not keep the spilled data alive: the buffer registers again if restored.
      this.registry.unregister(c);
      this.spilledBytes += n;
      this.release(ptr, c.cls);
      this.tensorBytes -= classSize(c.cls);
      c.ptr = -1;
      if (prev !== null) prev.next = null;
      else this.cells = null;
      c.prev = c.next = null;
      c = prev;
    }
    this.coalesce();
  }

  stats(): HeapStats {
    return {
      bytesInUse: this.inUse,
      tensorBytes: this.tensorBytes,
      peakTensorBytes: this.peakTensor,
      blocks: this.blocks,
      memoryBytes: this.memory.buffer.byteLength,
      peakBytesInUse: this.peak,
      collected: this.collected,
      disposed: this.disposed,
      spills: this.spills,
      spilledBytes: this.spilledBytes,
      budgetBytes: this.budget,
    };
  }

  private release(ptr: number, cls: number): void {
    (this.free[cls] ??= []).push(ptr);
    this.inUse -= classSize(cls);
    this.blocks--;
  }

  /** Takes `size` bytes from the top, coalescing the free lists or growing the memory when needed. */
  private carve(size: number): number {
    if (this.top + size > this.memory.buffer.byteLength) {
      this.coalesce();
      // Coalescing may have re-filed a block of exactly this class.
      const cls = classOf(size);
      const list = this.free[cls];
      if (list !== undefined && list.length > 0) return list.pop()!;
      if (this.top + size > this.memory.buffer.byteLength) this.grow(this.top + size);
    }
    const ptr = this.top;
    this.top += size;
    return ptr;
  }

  private grow(needed: number): void {
    if (needed > this.maxBytes)
      throw new ValueError(`wasm backend: out of memory: ${needed} bytes needed, the WebAssembly memory is limited to ${this.maxBytes} bytes. Dispose tensors you no longer need, or use gn.setBackend("reference")`);
    const have = this.memory.buffer.byteLength;
    // Grow by at least half again, so that a growing workload grows the memory O(log n) times.
    const want = Math.min(this.maxBytes, Math.max(needed, have + (have >>> 1)));
    this.memory.grow(Math.ceil((want - have) / PAGE));
    this.refresh();
  }

  /** Merges adjacent free blocks, trims the top, and re-files the remaining runs by size. */
  private coalesce(): void {
    const runs: number[] = []; // flat [ptr, size] pairs
    for (let c = 0; c < this.free.length; c++) {
      const list = this.free[c];
      if (list === undefined || list.length === 0) continue;
      const size = classSize(c);
      for (const p of list) runs.push(p, size);
      list.length = 0;
    }
    if (runs.length === 0) return;
    const order = Array.from({ length: runs.length / 2 }, (_, i) => i).sort((a, b) => runs[2 * a] - runs[2 * b]);
    const merged: number[] = [];
    for (const i of order) {
      const p = runs[2 * i];
      const s = runs[2 * i + 1];
      const n = merged.length;
      if (n > 0 && merged[n - 2] + merged[n - 1] === p) merged[n - 1] += s;
      else merged.push(p, s);
    }
    let n = merged.length;
    if (n > 0 && merged[n - 2] + merged[n - 1] === this.top) {
      this.top = merged[n - 2];
      n -= 2;
    }
    for (let i = 0; i < n; i += 2) {
      let p = merged[i];
      let left = merged[i + 1];
      while (left >= ALIGN) {
        const c = floorClass(left);
        const s = classSize(c);
        (this.free[c] ??= []).push(p);
        p += s;
        left -= s;
      }
    }
  }
}
