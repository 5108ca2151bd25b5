/**
 * The bench as a function: picks the cases and engines, runs them, and returns the report that
 * bench/index.ts prints and saves (and that test/bench.test.ts checks the shape of).
 */
import os from "node:os";
import * as gn from "../src/index.js";
import { type CaseSpec, type Scale, allCases, selectCases } from "./cases.js";
import { type CaseOutcome, type Engine, inProcessEngine } from "./engine.js";
import { TIMING, type TimingOptions } from "./harness.js";
import { type BenchReport, type CaseResult, addRatios, toResult } from "./report.js";
import { speedProbe } from "./probe.js";
import { buildGradnavCase } from "./workloads/index.js";

/**
 * Per-backend preparation before its cases run, by backend name: a backend that needs an async
 * start (a WebAssembly module to instantiate, a native library to open) registers it here.
 */
export const BACKEND_SETUP: Record<string, () => void | Promise<void>> = {
  // The wasm backend's worker threads start in the background; a benchmark loop that never yields to
  // the event loop could otherwise time its first cases (or all of them) on one thread.
  wasm: async () => void (await gn.wasmReady()),
};

export interface BenchOptions {
  scale: Scale;
  /** Comma-separated case-id prefixes ("W2", "W1.matmul512,M."); all cases when absent. */
  only?: string;
  /** gradnav backends to run (default: every registered one, gn.listBackends()). */
  backends?: string[];
  /** Peer names or engine ids ("tfjs", "tfjs/wasm", "jax-js", "torch"), or ["all"] / ["none"]. */
  peers: string[];
  /** Engine id the ratios compare to (default torch/cpu when it ran, else none). */
  baseline?: string;
  /** Overrides of the scale's timing recipe. */
  timing?: Partial<TimingOptions>;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** One engine per registered gradnav backend. */
export function gradnavEngines(names: readonly string[] = gn.listBackends()): Engine[] {
  const known = gn.listBackends();
  const missing = names.filter((n) => !known.includes(n));
  if (missing.length) throw new Error(`--backends: no gradnav backend named ${missing.join(", ")} (registered: ${known.join(", ")})`);
  return names.map((name) => {
    const info: Engine["info"] = name === "native" ? { backend: name, isa: gn.nativeInfo().isa ?? "none", threads: gn.nativeInfo().threads } : { backend: name };
    return inProcessEngine({
      id: `gradnav/${name}`,
      family: "gradnav",
      info,
      activate: async () => {
        await BACKEND_SETUP[name]?.();
        gn.setBackend(name);
        if (name === "wasm") info.threads = gn.memoryInfo().threads;
      },
      build: (c) => buildGradnavCase(c),
    });
  });
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus.length, cpuModel: cpus[0]?.model ?? "unknown", memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
}

/**
 * Runs the selected cases on every engine (gradnav backends first, then peers) and returns the report.
 * @example const report = await runBench({ scale: "quick", only: "W4", peers: ["none"] });
 */
export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const log = o.log ?? (() => {});
  const timing: TimingOptions = { ...TIMING[o.scale], ...o.timing };
  const cases: CaseSpec[] = selectCases(allCases(o.scale), o.only);
  if (cases.length === 0) throw new Error(`--only ${o.only}: no case matches (ids look like ${allCases(o.scale).map((c) => c.id).slice(0, 4).join(", ")}, ...)`);
  const initialBackend = gn.getBackend().name;
  const engines = gradnavEngines(o.backends);
  let skipped: { id: string; note: string }[] = [];
  if (!o.peers.includes("none") && o.peers.length > 0) {
    // Peers load lazily so that the tests and a gradnav-only run never touch their packages.
    const { loadPeers } = await import("./peers/index.js");
    const peers = await loadPeers(o.peers);
    engines.push(...peers.engines);
    skipped = peers.skipped;
  }
  for (const s of skipped) log(`skipped ${s.id}: ${s.note}`);

  const byEngine = new Map<string, Map<string, CaseOutcome>>();
  for (const e of engines) {
    e.info.speedProbe = `${speedProbe()} Msteps/s`; // in place: a backend's setup adds its thread count to this object
    let outcomes: CaseOutcome[];
    try {
      outcomes = await e.run(e.family === "peer" ? cases.filter((c) => !c.gradnavOnly) : cases, timing, log);
    } catch (err) {
      const note = err instanceof Error ? err.message : String(err);
      log(`${e.id}: failed (${note})`);
      outcomes = cases.map((c) => ({ caseId: c.id, status: "error" as const, note }));
    }
    byEngine.set(e.id, new Map(outcomes.map((x) => [x.caseId, x])));
  }
  gn.setBackend(initialBackend);

  const results: CaseResult[] = [];
  for (const c of cases)
    for (const e of engines) {
      if (c.gradnavOnly && e.family === "peer") continue;
      const outcome = byEngine.get(e.id)!.get(c.id) ?? { caseId: c.id, status: "error" as const, note: "no result returned" };
      results.push(toResult(c, e.id, outcome));
    }
  const baseline = o.baseline ?? (engines.some((e) => e.id === "torch/cpu") ? "torch/cpu" : null);
  addRatios(results, baseline);
  return {
    schema: "gradnav-bench/1",
    createdAt: new Date().toISOString(),
    scale: o.scale,
    options: { only: o.only ?? null, backends: engines.filter((e) => e.family === "gradnav").map((e) => e.id), peers: o.peers, timing },
    machine: machine(),
    engines: engines.map((e) => ({ id: e.id, family: e.family, info: e.info })),
    skipped,
    baseline,
    results,
  };
}
