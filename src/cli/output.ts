/** Where a command's results go: lines for people, or one JSON object for programs. */
import type { Metrics } from "../train/evaluate.js";

export interface Output {
  line(s: string): void;
  json(value: unknown): void;
}

/** Writes to a stream such as process.stdout. NaN and infinities become strings in JSON ("NaN"). @example streamOutput(process.stdout).json({ ok: true }) */
export function streamOutput(stream: { write(s: string): unknown }): Output {
  return {
    line: (s) => void stream.write(s + "\n"),
    json: (v) => void stream.write(JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x)) + "\n"),
  };
}

/** A small table: one row per split, one column per metric. @example printMetricsTable(out, { test: { loss: 0.1, accuracy: 0.97 } }) */
export function printMetricsTable(out: Output, splits: Record<string, Metrics>): void {
  const names = [...new Set(Object.values(splits).flatMap((m) => Object.keys(m)))];
  const rows = Object.entries(splits).map(([split, m]) => [split, ...names.map((k) => ((m as unknown as Record<string, number | undefined>)[k] === undefined ? "-" : (m as unknown as Record<string, number>)[k].toFixed(4)))]);
  const header = ["", ...names];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const fmt = (r: string[]) => r.map((v, j) => (j === 0 ? v.padEnd(widths[j]) : v.padStart(widths[j]))).join("  ");
  out.line(fmt(header));
  for (const r of rows) out.line(fmt(r));
}
