/**
 * An engine is one thing that runs the cases: a gradnav backend, or a peer library on one of its
 * backends. In-process engines only say how to build each case (`inProcessEngine`); an engine in
 * another process (PyTorch) times the cases itself with the same recipe and hands back pass times.
 */
import type { CaseSpec } from "./cases.js";
import { type Step, type TimingOptions, timeStep } from "./harness.js";

/** A case made ready on an engine: its data and parameters live in the closure of `step`. */
export interface Prepared {
  step: Step;
  /** Frees what the case allocated (engines with manual memory). */
  dispose?(): void;
}

/** Thrown by a builder when the engine cannot run a case (a missing op or kernel): reported, not fatal. */
export class Unavailable extends Error {
  override name = "Unavailable";
}

export type CaseOutcome =
  | { caseId: string; status: "ok"; iters: number; perIterSec: number[] }
  | { caseId: string; status: "unavailable" | "error"; note: string };

export interface Engine {
  /** "<library>/<backend>", e.g. "gradnav/reference", "tfjs/wasm", "torch/cpu". */
  id: string;
  family: "gradnav" | "peer";
  /** Versions, thread counts, anything that helps read the figures. */
  info: Record<string, string | number | boolean>;
  /** Runs the cases in order; `log` gets one line per case as it finishes. */
  run(cases: CaseSpec[], timing: TimingOptions, log: (line: string) => void): Promise<CaseOutcome[]>;
}

/** Formats an error for a report line. */
export function errorNote(e: unknown): string {
  const msg = e instanceof Error ? `${e.name === "Error" || e.name === "Unavailable" ? "" : e.name + ": "}${e.message}` : String(e);
  return msg.split("\n")[0].slice(0, 300);
}

/** An engine that builds and times each case in this process. */
export function inProcessEngine(opts: {
  id: string;
  family: Engine["family"];
  info: Engine["info"];
  /** Called before the engine's cases run (e.g. to select the backend). */
  activate?: () => void | Promise<void>;
  build: (c: CaseSpec) => Prepared | Promise<Prepared>;
}): Engine {
  return {
    id: opts.id,
    family: opts.family,
    info: opts.info,
    async run(cases, timing, log) {
      await opts.activate?.();
      const out: CaseOutcome[] = [];
      for (const c of cases) {
        let prepared: Prepared | undefined;
        let outcome: CaseOutcome;
        try {
          prepared = await opts.build(c);
          const t = await timeStep(prepared.step, timing);
          outcome = { caseId: c.id, status: "ok", iters: t.iters, perIterSec: t.perIterSec };
        } catch (e) {
          outcome = { caseId: c.id, status: e instanceof Unavailable ? "unavailable" : "error", note: errorNote(e) };
        } finally {
          try {
            prepared?.dispose?.();
          } catch {
            // a failed cleanup must not hide the case's result
          }
        }
        out.push(outcome);
        log(outcome.status === "ok" ? `${opts.id} ${c.id}: ${outcome.perIterSec.length} passes x ${outcome.iters}` : `${opts.id} ${c.id}: ${outcome.status} (${outcome.note})`);
      }
      return out;
    },
  };
}
