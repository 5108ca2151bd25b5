/**
 * Turns pass times into figures (median and spread in the case's unit, ratio to the baseline
 * engine), prints them as a table and shapes the JSON file.
 */
import { type CaseSpec, type Unit, isTimeUnit } from "./cases.js";
import type { CaseOutcome, Engine } from "./engine.js";
import { type Stats, stats } from "./harness.js";

export interface CaseResult {
  case: string;
  workload: string;
  title: string;
  engine: string;
  unit: Unit;
  status: "ok" | "unavailable" | "error" | "skipped";
  note?: string;
  /** Iterations per timed pass, and the seconds per iteration of each pass. */
  iters?: number;
  passSeconds?: number[];
  /** Summary of passSeconds. */
  seconds?: Stats;
  /** The median in the case's unit. */
  value?: number;
  /** Best and worst pass in the case's unit (best first). */
  range?: [number, number];
  /** Interquartile range of the pass times relative to their median, in percent. */
  iqrPercent?: number;
  /** Speed relative to the baseline engine (baseline time / this time; above 1 is faster). */
  ratio?: number;
}

export interface BenchReport {
  schema: "gradnav-bench/1";
  createdAt: string;
  scale: string;
  options: Record<string, unknown>;
  machine: Record<string, string | number>;
  engines: { id: string; family: string; info: Engine["info"] }[];
  /** Engines that could not run at all (a peer not installed), with why. */
  skipped: { id: string; note: string }[];
  baseline: string | null;
  results: CaseResult[];
}

const UNIT_SCALE: Record<Unit, number> = { "GFLOP/s": 1e9, "samples/s": 1, "HVP/s": 1, "Melem/s": 1, "us/op": 1e-6, "ms/grad": 1e-3 };

/** A time per iteration in the case's unit. */
export function inUnit(c: CaseSpec, sec: number): number {
  return isTimeUnit(c.unit) ? sec / UNIT_SCALE[c.unit] : c.workPerIter / sec / UNIT_SCALE[c.unit];
}

/** One result row from an engine's outcome on a case. */
export function toResult(c: CaseSpec, engine: string, o: CaseOutcome): CaseResult {
  const base = { case: c.id, workload: c.workload, title: c.title, engine, unit: c.unit };
  if (o.status !== "ok") return { ...base, status: o.status, note: o.note };
  const s = stats(o.perIterSec);
  return {
    ...base,
    status: "ok",
    iters: o.iters,
    passSeconds: o.perIterSec,
    seconds: s,
    value: inUnit(c, s.median),
    range: [inUnit(c, s.min), inUnit(c, s.max)],
    iqrPercent: (100 * (s.q3 - s.q1)) / s.median,
  };
}

/** Fills `ratio` on every ok row whose case the baseline engine also ran. */
export function addRatios(results: CaseResult[], baseline: string | null): void {
  if (!baseline) return;
  for (const r of results) {
    const b = results.find((x) => x.case === r.case && x.engine === baseline && x.status === "ok");
    if (b && r.status === "ok") r.ratio = b.seconds!.median / r.seconds!.median;
  }
}

/** Three significant digits, thousands separated; tiny and huge values stay readable. */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

function fmtRatio(r: number): string {
  return r >= 10 ? `${r.toFixed(0)}x` : r >= 0.1 ? `${r.toFixed(2)}x` : `${r.toPrecision(2)}x`;
}

/** The results as an aligned text table, one block per case. */
export function formatTable(results: CaseResult[], baseline: string | null): string {
  const header = ["case", "engine", "median", "unit", "best..worst", "IQR", "passes", baseline ? `vs ${baseline}` : "ratio"];
  const rows: string[][] = [];
  let last = "";
  for (const r of results) {
    const label = r.case === last ? "" : r.case;
    last = r.case;
    if (r.status !== "ok") {
      rows.push([label, r.engine, r.status, "", (r.note ?? "").slice(0, 70), "", "", ""]);
      continue;
    }
    rows.push([
      label,
      r.engine,
      fmtNum(r.value!),
      r.unit,
      `${fmtNum(r.range![0])}..${fmtNum(r.range![1])}`,
      `${r.iqrPercent!.toFixed(0)}%`,
      `${r.passSeconds!.length}x${r.iters}`,
      r.ratio === undefined ? "" : fmtRatio(r.ratio),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const numeric = new Set([2, 5, 6, 7]);
  const line = (cells: string[]): string => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
