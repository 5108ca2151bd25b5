/**
 * Worker threads for the large kernels. Each worker instantiates the threaded kernels on the same
 * shared WebAssembly.Memory, with its own stack and GEMM workspace, and waits on a slot in a small
 * SharedArrayBuffer: the main thread writes a kernel id and its arguments, bumps the slot's sequence
 * number and wakes the worker; the worker runs the kernel on its share of the output and bumps its
 * "done" number. The main thread runs its own share meanwhile, then spins until every worker is done
 * (a browser's main thread may not block).
 *
 * Workers start asynchronously (Node: worker_threads, loaded by a dynamic import; browsers: Web
 * Workers where the page is cross-origin isolated). Until they are ready, or where they cannot run,
 * every kernel runs on the calling thread. Splitting a GEMM by rows or columns of the output does not
 * change any element's arithmetic, so results are identical with any number of threads.
 */
import type { Ctx } from "./context.js";
import type { WasmModule, WasmMemory } from "./runtime.js";

/** Int32 words per worker slot: [seq, done, kernel, nargs, status, started, pad x2, args as float64 ...]. */
const SLOT = 64;
const ARGS_AT = 8;
const STACK_BYTES = 64 * 1024;
/** Kernels a worker can run (indices are the wire ids). */
const KERNELS = [
  "gemm_f32",
  "gemm_f64",
  "conv2d_f32",
  "conv2d_f64",
  "conv2d_grad_input_f32",
  "conv2d_grad_input_f64",
  "conv2d_grad_filter_f32",
  "conv2d_grad_filter_f64",
] as const;
export type ThreadKernel = (typeof KERNELS)[number];
/** Below this many multiply-adds a GEMM is not worth waking a worker for. */
const MIN_PARALLEL_MACS = 1 << 20;

interface WorkerLike {
  postMessage(msg: unknown): void;
  terminate(): unknown;
}

interface Pool {
  /** Workers constructed; only the first `ready` have started (set their flag) and take work. */
  workers: WorkerLike[];
  ready: number;
  ctrl: Int32Array;
  args: Float64Array;
  /** Each worker's GEMM workspace and stack (byte offsets in the heap), freed when the pool stops. */
  work: number[];
  stacks: number[];
  ctx: Ctx;
  seq: number;
}

let pool: Pool | null = null;
let starting: Promise<number> | null = null;
let wantThreads = -1; // -1: automatic

/** The worker's program (run as a classic script in Node's eval mode and in a Blob-URL Web Worker). */
const WORKER_SOURCE = `
"use strict";
const SLOT = ${SLOT}, ARGS_AT = ${ARGS_AT};
const isNode = typeof require === "function";
const port = isNode ? require("node:worker_threads").parentPort : self;
function start(msg) {
  const inst = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } });
  const x = inst.exports;
  x.__stack_pointer.value = msg.stackTop;
  const ctrl = new Int32Array(msg.ctrl);
  const args = new Float64Array(msg.ctrl);
  const base = msg.slot * SLOT;
  const fns = msg.kernels.map((n) => x[n]);
  Atomics.store(ctrl, base + 5, 1);
  let seen = 0;
  for (;;) {
    let s = Atomics.load(ctrl, base);
    if (s === seen) {
      for (let i = 0; i < 20000 && s === seen; i++) s = Atomics.load(ctrl, base);
      if (s === seen) {
        Atomics.wait(ctrl, base, seen);
        continue;
      }
    }
    seen = s;
    if (s < 0) return;
    const n = ctrl[base + 3];
    const a = [];
    for (let i = 0; i < n; i++) a.push(args[(base + ARGS_AT) / 2 + i]);
    let status = 0;
    try { fns[ctrl[base + 2]](...a); } catch (e) { status = 1; }
    ctrl[base + 4] = status;
    Atomics.store(ctrl, base + 1, s);
    Atomics.notify(ctrl, base + 1);
  }
}
if (isNode) port.once("message", start);
else self.onmessage = (e) => { self.onmessage = null; start(e.data); };
`;

/** Imports a Node built-in at run time; the computed specifier keeps bundlers from pulling it into browser builds. */
function nodeBuiltin<T>(name: string): Promise<T> {
  const specifier = "node:" + name;
  return import(specifier) as Promise<T>;
}

/** GRADNAV_NUM_THREADS (Node), else one thread per core this process may use, up to 8. */
async function defaultThreadCount(): Promise<number> {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { versions?: { node?: string }; env?: Record<string, string | undefined> } };
  const env = Number(g.process?.env?.GRADNAV_NUM_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  let cores = g.navigator?.hardwareConcurrency ?? 1;
  if (g.process?.versions?.node) {
    const os = await nodeBuiltin<typeof import("node:os")>("os");
    cores = os.availableParallelism?.() ?? os.cpus().length;
  }
  return Math.max(1, Math.min(cores, 8));
}

/** Creates one worker running WORKER_SOURCE, or throws where workers are unavailable. */
async function createWorker(): Promise<WorkerLike> {
  const g = globalThis as { process?: { versions?: { node?: string } }; Worker?: new (url: string) => WorkerLike };
  if (g.process?.versions?.node) {
    const wt = await nodeBuiltin<typeof import("node:worker_threads")>("worker_threads");
    const w = new wt.Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    w.on("error", () => {}); // a worker that fails never sets its started flag, so it is never used
    return w;
  }
  if (typeof g.Worker !== "function") throw new Error("no Worker in this environment");
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  return new g.Worker(url);
}

/**
 * Starts the worker pool for `c` (threads - 1 workers; the calling thread is the last one). Resolves to
 * the number of threads kernels will use; 1 where workers cannot run (no shared memory, no workers).
 */
export function startThreads(c: Ctx, threads = wantThreads): Promise<number> {
  if (starting !== null) return starting;
  if (!c.rt.threaded) return (starting = Promise.resolve(1));
  // Only promise jobs (microtasks) are awaited here, never events: a synchronous loop that awaits now
  // and then gets its workers. Each worker sets a flag in shared memory once it is running, and
  // kernels use the workers that have (see readyWorkers).
  starting = (async () => {
    const n = threads > 0 ? threads : await defaultThreadCount();
    if (n <= 1) return 1;
    const nWorkers = n - 1;
    const sab = new SharedArrayBuffer(SLOT * 4 * nWorkers);
    const ctrl = new Int32Array(sab);
    const workers: WorkerLike[] = [];
    const work: number[] = [];
    const stacks: number[] = [];
    try {
      for (let i = 0; i < nWorkers; i++) {
        const w = await createWorker();
        const stack = c.heap.allocRaw(STACK_BYTES);
        stacks.push(stack);
        work.push(c.heap.allocRaw(c.x.gemm_work_bytes()));
        w.postMessage({ module: c.rt.module as WasmModule, memory: c.rt.memory as WasmMemory, ctrl: sab, slot: i, stackTop: stack + STACK_BYTES, kernels: KERNELS });
        workers.push(w);
      }
    } catch {
      for (const w of workers) w.terminate();
      return 1;
    }
    pool = { workers, ready: 0, ctrl, args: new Float64Array(sab), work, stacks, ctx: c, seq: 0 };
    return n;
  })();
  return starting;
}

/** Counts the workers (from the first) that have started; they are the ones kernels may use. */
function readyWorkers(p: Pool): number {
  while (p.ready < p.workers.length && Atomics.load(p.ctrl, p.ready * SLOT + 5) === 1) p.ready++;
  return p.ready;
}

/** Waits (up to `ms`) until every worker has started; resolves with the threads in use. */
export async function threadsStarted(ms = 10000): Promise<number> {
  if (starting !== null) await starting;
  const p = pool;
  if (p === null) return 1;
  const t0 = Date.now();
  while (readyWorkers(p) < p.workers.length && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 2));
  return p.ready + 1;
}

/** Threads kernels use now (1 until the pool is ready). */
export function threadCount(): number {
  return pool === null ? 1 : readyWorkers(pool) + 1;
}

/** Chooses the number of threads for pools started from now on (0 or less: automatic). */
export function setThreadCount(n: number): void {
  wantThreads = n;
}

/** Stops the workers; kernels run on the calling thread until startThreads is called again. */
export function stopThreads(): void {
  if (pool !== null) {
    for (let i = 0; i < pool.workers.length; i++) {
      Atomics.store(pool.ctrl, i * SLOT, -1);
      Atomics.notify(pool.ctrl, i * SLOT);
      pool.workers[i].terminate();
    }
    // A terminated worker runs no more wasm, so its stack and workspace can go back to the heap.
    const h = pool.ctx.heap;
    const workBytes = pool.ctx.x.gemm_work_bytes();
    for (const p of pool.work) h.freeRaw(p, workBytes);
    for (const p of pool.stacks) h.freeRaw(p, STACK_BYTES);
  }
  pool = null;
  starting = null;
}

function post(p: Pool, w: number, kernel: number, args: readonly number[]): void {
  const base = w * SLOT;
  p.ctrl[base + 2] = kernel;
  p.ctrl[base + 3] = args.length;
  for (let i = 0; i < args.length; i++) p.args[(base + ARGS_AT) / 2 + i] = args[i];
  Atomics.store(p.ctrl, base, p.seq);
  Atomics.notify(p.ctrl, base);
}

function waitAll(p: Pool, count: number): void {
  for (let w = 0; w < count; w++) {
    const base = w * SLOT;
    while (Atomics.load(p.ctrl, base + 1) !== p.seq) {
      // Spin: a browser's main thread may not block, and the wait is short (the work is split evenly).
    }
    if (p.ctrl[base + 4] !== 0) throw new Error(`wasm backend: a worker thread failed running ${KERNELS[p.ctrl[base + 2]]}`);
  }
}

/** The GEMM workspace of part `t` of `parts` (the last part runs on the calling thread). */
export function workspaceFor(c: Ctx, t: number, parts: number): number {
  return t === parts - 1 || pool === null ? c.gemmWork() : pool.work[t];
}

/**
 * Runs `kernel` once per argument list: all but the last on workers (one each), the last on the
 * calling thread, and returns when all are done. With no pool (or one part) everything runs here.
 */
export function runParts(c: Ctx, kernel: ThreadKernel, parts: readonly (readonly number[])[]): void {
  const p = pool;
  const used = parts.length;
  const fn = c.x[kernel] as (...args: number[]) => void;
  if (p === null || used === 1) {
    for (const args of parts) fn(...args);
    return;
  }
  if (used - 1 > p.ready) throw new Error(`wasm backend: ${used} parts for ${p.ready + 1} threads`);
  p.seq = p.seq >= 0x3fffffff ? 1 : p.seq + 1; // stays positive: a negative sequence number stops a worker
  const id = KERNELS.indexOf(kernel);
  for (let t = 0; t < used - 1; t++) post(p, t, id, parts[t]);
  fn(...parts[used - 1]);
  waitAll(p, used - 1);
}

/** Runs a GEMM split over the worker pool; false when it should run on the calling thread alone. */
export function parallelGemm(c: Ctx, f32: boolean, a: number, rsa: number, csa: number, b: number, rsb: number, csb: number, out: number, ldc: number, m: number, n: number, k: number): boolean {
  const p = pool;
  if (p === null || m * n * k < MIN_PARALLEL_MACS) return false;
  const es = f32 ? 4 : 8;
  const threads = readyWorkers(p) + 1;
  if (threads === 1) return false;
  // Split the larger output dimension into parts of whole 8-element panels.
  const byRows = m >= n;
  const dim = byRows ? m : n;
  const chunk = Math.ceil(dim / threads / 8) * 8;
  const used = Math.ceil(dim / chunk);
  if (used < 2) return false;
  const parts: number[][] = [];
  for (let t = 0; t < used; t++) {
    const lo = t * chunk;
    const len = Math.min(chunk, dim - lo);
    const work = workspaceFor(c, t, used);
    parts.push(
      byRows
        ? [a + lo * rsa * es, rsa, csa, b, rsb, csb, out + lo * ldc * es, ldc, len, n, k, work, 0]
        : [a, rsa, csa, b + lo * csb * es, rsb, csb, out + lo * es, ldc, m, len, k, work, 0],
    );
  }
  runParts(c, f32 ? "gemm_f32" : "gemm_f64", parts);
  return true;
}
