/**
 * `gn.profile(fn)`: where a function's time goes, primitive by primitive. While `fn` runs, every
 * backend's `exec` is timed, grouped by primitive, input shapes and dtype. Whatever is not kernel
 * time is the engine's own work (shape rules, tracing, derivative bookkeeping) and JS around the
 * ops: `overheadMs` reports it, which is what bounds small models.
 */
import type { Backend } from "../backends/backend.js";
import { backendByName, listBackends } from "../backends/registry.js";
import { ValueError } from "../core/errors.js";

/** One row of a profile: a primitive on inputs of given shapes and dtype. */
export interface OpProfile {
  prim: string;
  /** Input shapes, e.g. "[128,784] [784,256]". */
  shapes: string;
  dtype: string;
  backend: string;
  calls: number;
  /** Total kernel time of these calls in milliseconds. */
  ms: number;
}

export interface Profile {
  /** Wall time of the whole function in milliseconds. */
  totalMs: number;
  /** Time inside backend kernels (all rows summed). */
  kernelMs: number;
  /** totalMs - kernelMs: the engine's work and the caller's JS between kernels. */
  overheadMs: number;
  /** Primitives executed. */
  calls: number;
  /** Rows, most time first. */
  ops: OpProfile[];
  /** The same rows summed by primitive name, most time first. */
  byPrim: { prim: string; calls: number; ms: number }[];
  /** A readable table of the `top` rows (default 20). */
  table(top?: number): string;
}

function fmtShapes(avals: readonly { shape: readonly number[] }[]): string {
  return avals.map((a) => `[${a.shape.join(",")}]`).join(" ");
}

function collect(rows: Map<string, OpProfile>, totalMs: number): Profile {
  const ops = [...rows.values()].sort((a, b) => b.ms - a.ms);
  const kernelMs = ops.reduce((s, r) => s + r.ms, 0);
  const calls = ops.reduce((s, r) => s + r.calls, 0);
  const perPrim = new Map<string, { prim: string; calls: number; ms: number }>();
  for (const r of ops) {
    const p = perPrim.get(r.prim) ?? { prim: r.prim, calls: 0, ms: 0 };
    p.calls += r.calls;
    p.ms += r.ms;
    perPrim.set(r.prim, p);
  }
  const byPrim = [...perPrim.values()].sort((a, b) => b.ms - a.ms);
  return {
    totalMs,
    kernelMs,
    overheadMs: Math.max(0, totalMs - kernelMs),
    calls,
    ops,
    byPrim,
    table(top = 20) {
      const pct = (ms: number) => (totalMs > 0 ? ((100 * ms) / totalMs).toFixed(1) : "0.0").padStart(5) + "%";
      const lines = [
        `total ${totalMs.toFixed(3)} ms: kernels ${kernelMs.toFixed(3)} ms (${pct(kernelMs).trim()}), engine and JS ${(totalMs - kernelMs).toFixed(3)} ms; ${calls} primitive calls`,
        `${"ms".padStart(10)} ${"share".padStart(6)} ${"calls".padStart(6)}  op`,
      ];
      for (const r of ops.slice(0, top)) lines.push(`${r.ms.toFixed(3).padStart(10)} ${pct(r.ms)} ${String(r.calls).padStart(6)}  ${r.prim} ${r.shapes} ${r.dtype} (${r.backend})`);
      if (ops.length > top) lines.push(`  ... ${ops.length - top} more rows`);
      return lines.join("\n");
    },
  };
}

/** Wraps every registered backend's exec to time it into `rows`; returns the undo. */
function instrument(rows: Map<string, OpProfile>): () => void {
  const undo: (() => void)[] = [];
  for (const name of listBackends()) {
    const backend = backendByName(name) as Backend;
    const original = backend.exec;
    // An own property shadows the backend's method; deleting it restores the method, even when
    // profiles nest or the function throws.
    const had = Object.prototype.hasOwnProperty.call(backend, "exec");
    backend.exec = function (this: Backend, prim, inputs, inAvals, params, out) {
      const t0 = performance.now();
      const result = (original as (...args: unknown[]) => unknown).call(this, prim, inputs, inAvals, params, out);
      const ms = performance.now() - t0;
      const shapes = fmtShapes(inAvals);
      const dtype = inAvals.length > 0 ? inAvals[0].dtype : out.dtype;
      const key = `${name}\u0000${prim}\u0000${shapes}\u0000${dtype}`;
      let row = rows.get(key);
      if (row === undefined) rows.set(key, (row = { prim, shapes, dtype, backend: name, calls: 0, ms: 0 }));
      row.calls++;
      row.ms += ms;
      return result;
    } as Backend["exec"];
    undo.push(() => {
      if (had) backend.exec = original;
      else delete (backend as { exec?: unknown }).exec;
    });
  }
  return () => {
    for (let i = undo.length - 1; i >= 0; i--) undo[i]();
  };
}

/**
 * Runs `fn` and reports where its time went: kernel time per primitive, input shapes and dtype, and
 * the rest (the engine's bookkeeping and your JS). An async `fn` is awaited; ops other code runs
 * meanwhile are counted too. Profiling adds about a microsecond per op, so tiny ops look slower
 * than they are. Timer resolution is the host's `performance.now()` (coarse in browsers that are
 * not cross-origin isolated).
 *
 * @example
 * const x = gn.ones([64, 32]);
 * const w = gn.ones([32, 10]);
 * const { result, profile } = gn.profile(() => gn.grad((w: gn.Tensor) => x.matmul(w).relu().sum())(w));
 * console.log(profile.table(5));
 * console.log(result.shape, profile.byPrim[0].prim);
 */
export function profile<T>(fn: () => Promise<T>): Promise<{ result: T; profile: Profile }>;
export function profile<T>(fn: () => T): { result: T; profile: Profile };
export function profile<T>(fn: () => T | Promise<T>): { result: T; profile: Profile } | Promise<{ result: T; profile: Profile }> {
  if (typeof fn !== "function") throw new ValueError(`profile: expected a function to run, got ${fn === null ? "null" : typeof fn}`);
  const rows = new Map<string, OpProfile>();
  const restore = instrument(rows);
  const t0 = performance.now();
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise)
    return result.then(
      (value) => {
        restore();
        return { result: value, profile: collect(rows, performance.now() - t0) };
      },
      (e: unknown) => {
        restore();
        throw e;
      },
    );
  const totalMs = performance.now() - t0;
  restore();
  return { result, profile: collect(rows, totalMs) };
}
