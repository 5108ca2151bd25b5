/**
 * The native backend: gradnav's own C kernels (native/node/, a Node-API addon) with AVX-512,
 * AVX2+FMA or portable code chosen at load time by the CPU's features, and one thread pool for the
 * large kernels. Optional: it exists only where the addon was built (npm run build:native) or a
 * prebuilt binary is installed; elsewhere gradnav runs on the wasm backend (docs/design/005-native-backend.md).
 *
 * Storage is a plain typed array, exactly as on the reference backend: the addon reads and writes the
 * tensors' own arrays (no copy at the boundary), the garbage collector frees them, and a primitive
 * without a native kernel runs the reference kernel on the very same arrays. One exception: a
 * transpose of the last two axes may be a lazy view (views.ts) that matmul reads through strides. Every primitive has an
 * entry in `entries` (a missing one is a compile error): `native` (which may decline a dtype or case)
 * or `fallback`, with the reason. `listNativeKernels()` reports which is which.
 */
import type { AdamConstants, Aval, Backend, FusedAdamResult } from "../backend.js";
import { type DType, type TypedArray, allocTyped } from "../../core/dtype.js";
import { ValueError } from "../../core/errors.js";
import type { PrimName, ParamsOf } from "../../ops/prims/index.js";
import { referenceBackend } from "../reference/index.js";
import { warnOnce } from "../registry.js";
import { DT, type Entry, NativeCtx } from "./context.js";
import { arrayStats, markShared, recycle } from "./arrays.js";
import { type NativeLoad, loadNative } from "./loader.js";
import { elementwiseEntries } from "./kernels/elementwise.js";
import { reduceEntries } from "./kernels/reduce.js";
import { movementEntries } from "./kernels/movement.js";
import { indexingEntries } from "./kernels/indexing.js";
import { matmulEntries } from "./kernels/matmul.js";
import { convEntries } from "./kernels/conv.js";
import { linalgEntries } from "./kernels/linalg.js";
import { fusedAdam } from "./kernels/optim.js";
import { TransposedView, materialize, materializeAll, releaseView } from "./views.js";

/** Kernels that take lazy transposes (views.ts) as they are; every other kernel gets copies. */
const READS_VIEWS: ReadonlySet<PrimName> = new Set<PrimName>(["matmul", "transpose"]);

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

let loaded: NativeLoad | null = null;
let ctx: NativeCtx | null = null;

/** Opens the addon once; null when it is not available (see `nativeStatus`). */
function context(): NativeCtx | null {
  if (loaded === null) {
    loaded = loadNative();
    if (loaded.addon !== null) {
      try {
        ctx = new NativeCtx(loaded.addon);
        applyIsaFromEnv(ctx);
      } catch (e) {
        loaded = { addon: null, path: loaded.path, reason: `the addon failed to start: ${e instanceof Error ? e.message : String(e)}`, broken: true };
      }
    }
  }
  return ctx;
}

/**
 * GRADNAV_NATIVE_ISA=avx512|avx2|generic picks the kernels' instruction set instead of the best this
 * CPU runs (to compare them, or to avoid AVX-512 where it slows the clock). One the CPU lacks, or an
 * unknown name, gets a warning and the default.
 */
function applyIsaFromEnv(c: NativeCtx): void {
  const want = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.GRADNAV_NATIVE_ISA;
  if (want === undefined || want === "" || want === c.isa) return;
  if (c.isas.includes(want) && c.N.setIsa(want)) c.isa = want;
  else warnOnce("native-isa", `gradnav: GRADNAV_NATIVE_ISA=${want} is not an instruction set this CPU runs (${c.isas.join(", ")}); using ${c.isa}`);
}

function need(): NativeCtx {
  const c = context();
  if (c === null) throw new ValueError(`native backend: not available (${loaded?.reason})`);
  return c;
}

function typedFor(data: TypedArray, dtype: DType): TypedArray {
  const want = allocTyped(dtype, 0).constructor;
  if (data.constructor === want) return data;
  const out = allocTyped(dtype, data.length);
  out.set(data as never);
  return out;
}

export const nativeBackend: Backend = {
  name: "native",
  fromTyped(data: TypedArray, dtype: DType): unknown {
    return typedFor(data, dtype);
  },
  read(storage: unknown): TypedArray {
    return storage instanceof TransposedView ? materialize(need(), storage).slice() : (storage as TypedArray).slice();
  },
  exec<N extends PrimName>(prim: N, inputs: unknown[], inAvals: Aval[], params: ParamsOf<N>, out: Aval): unknown {
    const entry = (entryTable ??= new Map(Object.entries(entries) as [string, Entry<never>][])).get(prim) as Entry<ParamsOf<N>>;
    if ("native" in entry) {
      const c = need();
      const r = entry.native(c, READS_VIEWS.has(prim) ? (inputs as TypedArray[]) : materializeAll(c, inputs), inAvals, params, out);
      if (r !== null) return r;
    }
    const xs = ctx === null ? (inputs as TypedArray[]) : materializeAll(ctx, inputs);
    const y = referenceBackend.exec(prim, xs, inAvals, params, out) as TypedArray;
    if (xs.includes(y)) markShared(y);
    return y;
  },
  dispose(storage: unknown): void {
    // Arrays are garbage-collected; those the backend allocated and nobody shares are reused sooner.
    if (storage instanceof TransposedView) releaseView(storage);
    else recycle(storage as TypedArray);
  },
  memoryInfo(): Record<string, number> {
    return { threads: ctx?.threads ?? 0, ...arrayStats() };
  },
  normsAndDot(a: unknown, b: unknown, dtype: DType, size: number): [number, number, number] | null {
    if (dtype !== "float32" && dtype !== "float64") return null;
    const c = need();
    const [x, y] = materializeAll(c, [a, b]);
    c.scalars(DT[dtype], size);
    c.N.dots(x, y);
    return [c.mf[0], c.mf[1], c.mf[2]];
  },
  fusedAdam(g: unknown, p: unknown | null, m: unknown, v: unknown, vmax: unknown | null, dtype: DType, size: number, k: AdamConstants): FusedAdamResult | null {
    const c = need();
    const [gs, ps, ms, vs, vmaxs] = materializeAll(c, [g, p, m, v, vmax]) as (TypedArray | null)[];
    return fusedAdam(c, gs!, ps, ms!, vs!, vmaxs, dtype, size, k);
  },
};

/** Whether the native addon is loaded (loading it on first call). */
export function nativeAvailable(): boolean {
  return context() !== null;
}

/** What `nativeInfo()` reports. */
export interface NativeInfo {
  /** Whether the addon loaded. */
  available: boolean;
  /** Why not, when it did not ("" when it did). */
  reason: string;
  /** The addon's file. */
  path: string | null;
  /** The instruction set the kernels use now ("avx512", "avx2" or "generic"), and those this CPU runs. */
  isa: string | null;
  isas: string[];
  /** Threads a large kernel uses (GRADNAV_NUM_THREADS, else the CPUs this process may use). */
  threads: number;
}

/**
 * Where the native backend stands: loaded or not (and why), its instruction set and thread count.
 *
 * @example
 * const { available, isa, threads, reason } = gn.nativeInfo();
 * if (available) gn.setBackend("native");
 */
export function nativeInfo(): NativeInfo {
  const c = context();
  return { available: c !== null, reason: loaded?.reason ?? "", path: loaded?.path ?? null, isa: c?.isa ?? null, isas: c?.isas ?? [], threads: c?.threads ?? 0 };
}

/**
 * Sets how many threads the native backend's large kernels use (1 runs everything on the calling
 * thread; 0 restores the default: GRADNAV_NUM_THREADS, else the CPUs this process may use). Returns
 * the count now in use. Throws a ValueError when the native backend is not available.
 *
 * @example
 * gn.setNativeThreads(1); // e.g. when running several processes side by side
 */
export function setNativeThreads(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`setNativeThreads: expected an integer >= 0, got ${n}`);
  const c = need();
  c.threads = c.N.setThreads(n);
  return c.threads;
}

/**
 * @internal For tests and benchmarks: switches the native kernels to another instruction set this
 * CPU supports ("avx512", "avx2", "generic"). Returns false when it does not support it.
 */
export function setNativeIsa(name: string): boolean {
  const c = need();
  if (!c.N.setIsa(name)) return false;
  c.isa = name;
  return true;
}

/** Which primitives run natively on the native backend and which use the reference kernels (with why). */
export function listNativeKernels(): { native: PrimName[]; fallback: { prim: PrimName; reason: string }[] } {
  const native: PrimName[] = [];
  const fallback: { prim: PrimName; reason: string }[] = [];
  for (const [prim, e] of Object.entries(entries) as [PrimName, Entry<unknown>][]) {
    if ("native" in e) native.push(prim);
    else fallback.push({ prim, reason: e.fallback });
  }
  return { native, fallback };
}

/** @internal Why the addon is not available ("" when it is), and whether a file was there but broken. */
export function nativeStatus(): { reason: string; broken: boolean } {
  context();
  return { reason: loaded?.reason ?? "", broken: loaded?.broken ?? false };
}
