/**
 * The WebAssembly backend: SIMD128 kernels written in C (native/wasm/, built by
 * scripts/build-wasm.sh), on tensors held in one WebAssembly.Memory. It is the default backend
 * where WebAssembly SIMD is available; `gn.setBackend("reference")` or GRADNAV_BACKEND=reference
 * chooses the pure-TypeScript oracle instead. See docs/design/wasm-backend.md.
 *
 * Every primitive has an entry in `entries` (a missing one is a compile error): `native` (a wasm or
 * heap-view kernel, which may decline a dtype) or `fallback` (the reference kernel run on views of
 * the heap, with the reason written next to it). `listWasmKernels()` reports which is which.
 */
import type { Aval, Backend, AdamConstants, FusedAdamResult } from "../backend.js";
import { type DType, type TypedArray, allocTyped } from "../../core/dtype.js";
import { ValueError } from "../../core/errors.js";
import type { PrimName, ParamsOf } from "../../ops/prims/index.js";
import { referenceBackend } from "../reference/index.js";
import { Ctx, DT_SIZE, SMALL_BYTES, type Storage } from "./context.js";
import { HeapBuf, TView } from "./memory.js";
import { WA, createRuntime, canShareMemory, decodeBase64 } from "./runtime.js";
import { WASM_SINGLE } from "./binary.generated.js";
import type { Entry } from "./kernels/types.js";
import { elementwiseEntries } from "./kernels/elementwise.js";
import { reduceEntries } from "./kernels/reduce.js";
import { movementEntries } from "./kernels/movement.js";
import { matmulEntries } from "./kernels/matmul.js";
import { indexingEntries } from "./kernels/indexing.js";
import { convEntries } from "./kernels/conv.js";
import { linalgEntries } from "./kernels/linalg.js";
import { fusedAdam } from "./kernels/optim.js";
import { setThreadCount, startThreads, stopThreads, threadCount, threadsStarted } from "./threads.js";

/** One entry per primitive: a new primitive without one does not compile. */
const entries: { [N in PrimName]: Entry<ParamsOf<N>> } = {
  ...elementwiseEntries,
  ...reduceEntries,
  ...movementEntries,
  ...indexingEntries,
  ...matmulEntries,
  ...convEntries,
  ...linalgEntries,
};

/** `entries` as a Map, made on first use: cheaper to look up by name on every op than the object. */
let entryTable: Map<string, Entry<never>> | null = null;

let ctx: Ctx | null = null;

/** The backend's context, created on first use (compiles and instantiates the kernels). */
export function wasmContext(): Ctx {
  if (ctx === null) {
    ctx = new Ctx(createRuntime(canShareMemory()));
    // Workers start in the background; kernels use them once they are ready.
    startThreads(ctx).catch(() => 1);
  }
  return ctx;
}

/**
 * Resolves when the wasm backend is ready, with the number of threads its large kernels use (worker
 * threads start in the background when the backend is first used; until then kernels run on the
 * calling thread). Optional: nothing needs to wait for it.
 *
 * @example
 * const threads = await gn.wasmReady(); // e.g. 2 on a two-core machine
 */
export function wasmReady(): Promise<number> {
  startThreads(wasmContext());
  return threadsStarted();
}

/**
 * Sets how many threads the wasm backend's large kernels use (1: the calling thread only; 0:
 * automatic, one per core up to 8), restarting the workers. Resolves with the count in effect.
 *
 * @example
 * await gn.setWasmThreads(1); // single-threaded
 */
export function setWasmThreads(n: number): Promise<number> {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`setWasmThreads: expected an integer >= 0, got ${n}`);
  stopThreads();
  setThreadCount(n);
  startThreads(wasmContext());
  return threadsStarted();
}

function typedFor(data: TypedArray, dtype: DType): TypedArray {
  const want = allocTyped(dtype, 0).constructor;
  if (data.constructor === want) return data;
  const out = allocTyped(dtype, data.length);
  out.set(data as never);
  return out;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

function runFallback<N extends PrimName>(c: Ctx, prim: N, inputs: unknown[], avals: Aval[], params: ParamsOf<N>, out: Aval): Storage {
  const views = new Array<TypedArray>(inputs.length);
  for (let i = 0; i < inputs.length; i++) views[i] = c.view(inputs[i] as Storage, avals[i].dtype, sizeOf(avals[i].shape));
  const y = referenceBackend.exec(prim, views, avals, params, out) as TypedArray;
  return c.adopt(y, out.dtype);
}

export const wasmBackend: Backend = {
  name: "wasm",
  fromTyped(data: TypedArray, dtype: DType): unknown {
    const a = typedFor(data, dtype);
    if (a.byteLength <= SMALL_BYTES) return a;
    return wasmContext().adopt(a, dtype);
  },
  read(storage: unknown, dtype: DType, size: number): TypedArray {
    if (storage instanceof TView) storage = wasmContext().materialize(storage, dtype);
    if (!(storage instanceof HeapBuf)) return (storage as TypedArray).slice();
    const cell = storage.cell;
    if (cell.ptr >= 0) return wasmContext().slice(cell.ptr, dtype, size);
    if (!cell.live) throw new ValueError("read: this tensor's wasm memory has been disposed");
    return cell.arr!.slice();
  },
  exec<N extends PrimName>(prim: N, inputs: unknown[], inAvals: Aval[], params: ParamsOf<N>, out: Aval): unknown {
    const c = wasmContext();
    const entry = (entryTable ??= new Map(Object.entries(entries) as [string, Entry<never>][])).get(prim) as Entry<ParamsOf<N>>;
    if ("native" in entry) {
      c.begin();
      try {
        const r = entry.native(c, inputs as Storage[], inAvals, params, out);
        if (r !== null) return r;
        c.abandon();
      } finally {
        c.end();
      }
    }
    return runFallback(c, prim, inputs, inAvals, params, out);
  },
  dispose(storage: unknown): void {
    if (storage instanceof HeapBuf || storage instanceof TView) wasmContext().release(storage);
  },
  memoryInfo(): Record<string, number> {
    const c = wasmContext();
    return { ...(c.heap.stats() as unknown as Record<string, number>), threads: threadCount(), smallTensorBytes: SMALL_BYTES };
  },
  fusedAdam(g: unknown, p: unknown | null, m: unknown, v: unknown, vmax: unknown | null, dtype: DType, size: number, k: AdamConstants): FusedAdamResult | null {
    return fusedAdam(wasmContext(), g as Storage, p as Storage | null, m as Storage, v as Storage, vmax as Storage | null, dtype, size, k);
  },
};

/** Which primitives run natively on the wasm backend and which fall back to the reference kernels (with why). */
export function listWasmKernels(): { native: PrimName[]; fallback: { prim: PrimName; reason: string }[] } {
  const native: PrimName[] = [];
  const fallback: { prim: PrimName; reason: string }[] = [];
  for (const [prim, e] of Object.entries(entries) as [PrimName, Entry<unknown>][]) {
    if ("native" in e) native.push(prim);
    else fallback.push({ prim, reason: e.fallback });
  }
  return { native, fallback };
}

/**
 * Sets the wasm heap's budget in bytes (default 256 MiB) and returns the previous one. When the
 * tensors in the heap exceed it, the next op first moves the oldest of them out into typed arrays,
 * until half the budget is left (a "spill"): unreachable ones are then freed by the garbage
 * collector, reachable ones come back on their next use. This bounds memory in loops that never yield to the event loop (where the
 * FinalizationRegistry cannot run); disposing tensors, or letting transforms release their
 * intermediates, keeps spills rare.
 *
 * @example
 * gn.setWasmHeapBudget(64 * 1024 * 1024); // spill above 64 MiB
 */
export function setWasmHeapBudget(bytes: number): number {
  if (!(bytes > 0)) throw new ValueError(`setWasmHeapBudget: the budget must be a positive number of bytes, got ${bytes}`);
  const h = wasmContext().heap;
  const old = h.budget;
  h.budget = bytes;
  h.overBudget = h.stats().tensorBytes > bytes;
  return old;
}

let supported: boolean | null = null;

/** Whether this JavaScript engine runs WebAssembly with SIMD128 (the kernels need it). */
export function wasmSupported(): boolean {
  if (supported === null) {
    try {
      supported = WA !== undefined && WA.validate(decodeBase64(WASM_SINGLE));
    } catch {
      supported = false;
    }
  }
  return supported === true;
}

export { DT_SIZE };
