/** How an audit hands back its result: readable lines, or one JSON object (stdout or a file). */
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Output } from "../output.js";

/** Output options every audit subcommand takes. */
export interface ReportOptions {
  /** Print the JSON report to stdout instead of readable lines. */
  json?: boolean;
  /** Also write the JSON report to this file. */
  report?: string;
}

/** NaN and infinities as strings, as streamOutput writes them. */
function stringify(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x), 2);
}

/** Emits an audit's report: JSON on stdout with --json, else `print`'s lines; --report writes the JSON to a file either way. */
export function emitReport(out: Output, o: ReportOptions, report: Record<string, unknown>, print: (line: (s: string) => void) => void): void {
  if (o.report) {
    mkdirSync(dirname(o.report), { recursive: true });
    writeFileSync(o.report, stringify(report) + "\n");
  }
  if (o.json) out.json(report);
  else {
    print((s) => out.line(s));
    if (o.report) out.line(`report written to ${o.report}`);
  }
}

/** A number for people: `digits` significant figures, no exponent for ordinary sizes. */
export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e6) return String(+v.toPrecision(digits));
  return v.toExponential(digits - 1);
}

/** Rounds for JSON reports, so they stay readable (6 significant figures). */
export function round(v: number): number {
  return Number.isFinite(v) ? +v.toPrecision(6) : v;
}

/** Columns padded to a common width: `left` lists the left-aligned (text) columns (default: the first), the others are right-aligned. */
export function table(rows: readonly (readonly string[])[], left: readonly number[] = [0]): string[] {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((v, j) => (left.includes(j) ? v.padEnd(widths[j]) : v.padStart(widths[j]))).join("  ").trimEnd());
}
