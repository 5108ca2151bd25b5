/**
 * Loads the WebAssembly kernels (embedded as base64 in binary.generated.ts, so no fs or fetch is
 * needed) and creates the memory they share. With SharedArrayBuffer available (Node; browsers that
 * are cross-origin isolated) the threaded build is used, on a shared memory that worker threads can
 * run kernels on too (threads.ts); otherwise the single-threaded build, on an ordinary memory.
 */
import { WASM_SINGLE, WASM_THREADED } from "./binary.generated.js";

// The WebAssembly JS API, typed here (the project's TypeScript libs do not declare it).
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
export interface WasmGlobal {
  value: number;
}
/** A compiled module (opaque; can be posted to workers). */
export type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<WasmModule>;
}
/** The global WebAssembly object, or undefined where the engine has none. */
export const WA: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The kernels' exports (native/wasm/*.c). Pointers and sizes are i32; see the C sources for meanings. */
export interface WasmExports {
  unary_f32(op: number, x: number, y: number, n: number): void;
  unary_f64(op: number, x: number, y: number, n: number): void;
  binary_f32(op: number, a: number, b: number, y: number, meta: number, rank: number): void;
  binary_f64(op: number, a: number, b: number, y: number, meta: number, rank: number): void;
  compare_f32(op: number, a: number, b: number, y: number, meta: number, rank: number): void;
  compare_f64(op: number, a: number, b: number, y: number, meta: number, rank: number): void;
  compare_i32(op: number, a: number, b: number, y: number, meta: number, rank: number): void;
  where_w1(c: number, a: number, b: number, y: number, meta: number, rank: number): void;
  where_w4(c: number, a: number, b: number, y: number, meta: number, rank: number): void;
  where_w8(c: number, a: number, b: number, y: number, meta: number, rank: number): void;
  cast(src: number, from: number, dst: number, to: number, n: number): void;
  reduce_f32(op: number, x: number, y: number, outer: number, red: number, inner: number): void;
  reduce_f64(op: number, x: number, y: number, outer: number, red: number, inner: number): void;
  copy_w1(src: number, dst: number, meta: number, rank: number): void;
  copy_w4(src: number, dst: number, meta: number, rank: number): void;
  copy_w8(src: number, dst: number, meta: number, rank: number): void;
  transpose_w4(src: number, dst: number, batch: number, m: number, n: number): void;
  transpose_w8(src: number, dst: number, batch: number, m: number, n: number): void;
  fill_w1(dst: number, v: number, n: number): void;
  fill_w4(dst: number, bits: number, n: number): void;
  fill_w8(dst: number, v: number, n: number): void;
  gemm_work_bytes(): number;
  matmul_small_f32(a: number, rsa: number, csa: number, b: number, rsb: number, c: number, m: number, n: number, k: number): void;
  matmul_small_f64(a: number, rsa: number, csa: number, b: number, rsb: number, c: number, m: number, n: number, k: number): void;
  matvec_f32(a: number, rsa: number, csa: number, x: number, y: number, m: number, k: number): void;
  matvec_f64(a: number, rsa: number, csa: number, x: number, y: number, m: number, k: number): void;
  gemm_f32(a: number, rsa: number, csa: number, b: number, rsb: number, csb: number, c: number, ldc: number, m: number, n: number, k: number, work: number, acc: number): void;
  gemm_f64(a: number, rsa: number, csa: number, b: number, rsb: number, csb: number, c: number, ldc: number, m: number, n: number, k: number, work: number, acc: number): void;
  conv2d_f32(x: number, w: number, y: number, geom: number, n0: number, n1: number, col: number, work: number): void;
  conv2d_f64(x: number, w: number, y: number, geom: number, n0: number, n1: number, col: number, work: number): void;
  conv2d_grad_input_f32(gy: number, w: number, dx: number, geom: number, n0: number, n1: number, col: number, work: number): void;
  conv2d_grad_input_f64(gy: number, w: number, dx: number, geom: number, n0: number, n1: number, col: number, work: number): void;
  conv2d_grad_filter_f32(x: number, gy: number, dw: number, geom: number, n0: number, n1: number, col: number, work: number, acc: number): void;
  conv2d_grad_filter_f64(x: number, gy: number, dw: number, geom: number, n0: number, n1: number, col: number, work: number, acc: number): void;
  pool_argmax_f32(x: number, planes: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, oh: number, ow: number, out: number): void;
  pool_argmax_f64(x: number, planes: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, oh: number, ow: number, out: number): void;
  take_along_w4(x: number, idx: number, out: number, outer: number, n: number, m: number, inner: number): number;
  take_along_w8(x: number, idx: number, out: number, outer: number, n: number, m: number, inner: number): number;
  scatter_along_f32(idx: number, upd: number, y: number, outer: number, n: number, m: number, inner: number): number;
  scatter_along_f64(idx: number, upd: number, y: number, outer: number, n: number, m: number, inner: number): number;
  adam_f32(g: number, p: number, m: number, v: number, vmax: number, u: number, mo: number, vo: number, vmaxo: number, n: number, b1: number, omb1: number, b2: number, omb2: number, eps: number, stepScale: number, bc2Sqrt: number, l2: number, decoupled: number): void;
  adam_f64(g: number, p: number, m: number, v: number, vmax: number, u: number, mo: number, vo: number, vmaxo: number, n: number, b1: number, omb1: number, b2: number, omb2: number, eps: number, stepScale: number, bc2Sqrt: number, l2: number, decoupled: number): void;
  __heap_base: WasmGlobal;
  __stack_pointer?: WasmGlobal;
}

export interface WasmRuntime {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly exports: WasmExports;
  /** True when the memory is shared and worker threads can join. */
  readonly threaded: boolean;
  /** The memory's maximum size in bytes. */
  readonly maxBytes: number;
}

const PAGE = 65536;
const INITIAL_PAGES = 256; // 16 MiB
/** 4 GiB: all a wasm32 memory can address. Only touched pages cost memory. */
const MAX_PAGES = 65536;

export function decodeBase64(s: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(s, "base64"));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Whether this environment can share a WebAssembly.Memory with workers. */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === "undefined") return false;
  const g = globalThis as { crossOriginIsolated?: boolean; process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node) return true;
  return g.crossOriginIsolated === true;
}

let compiled: { single?: WasmModule; threaded?: WasmModule } = {};

function api(): WasmApi {
  if (WA === undefined) throw new Error("WebAssembly is not available in this JavaScript engine; use gn.setBackend(\"reference\")");
  return WA;
}

/**
 * Compiles the kernels asynchronously. Node and most browsers also compile them synchronously on first
 * use; call this first where synchronous compilation of large modules is not allowed (some browsers'
 * main threads).
 */
export async function compileWasm(threaded = canShareMemory()): Promise<void> {
  const key = threaded ? "threaded" : "single";
  compiled[key] ??= await api().compile(decodeBase64(threaded ? WASM_THREADED : WASM_SINGLE));
}

/** Compiles (once) and instantiates the kernels on a fresh memory. Synchronous. */
export function createRuntime(threaded = canShareMemory()): WasmRuntime {
  const key = threaded ? "threaded" : "single";
  const wa = api();
  const module = (compiled[key] ??= new wa.Module(decodeBase64(threaded ? WASM_THREADED : WASM_SINGLE)));
  const memory = new wa.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: threaded });
  const instance = new wa.Instance(module, { env: { memory } });
  return { module, memory, exports: instance.exports as unknown as WasmExports, threaded, maxBytes: MAX_PAGES * PAGE };
}

/** @internal For tests: forget compiled modules. */
export function resetCompiled(): void {
  compiled = {};
}
