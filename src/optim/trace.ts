/**
 * The trace: the route an optimizer took, one record per step, as plain data that can be saved as
 * JSON or CSV, replayed and plotted. `minimize` records one; in a loop of your own, a `TraceRecorder`
 * does the same from each step's loss, gradients, updates and step info.
 */
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { treeLeaves, treeLeavesWithPath } from "../core/tree.js";
import type { ClipInfo, LbfgsInfo, LineSearchInfo, StepInfo } from "./transform.js";
import { treeNormsAndVdot } from "./treemath.js";

/** One step of the route. Quantities are at the parameters the step started from. */
export interface TraceStep {
  /** 0 for the first step. */
  step: number;
  loss: number;
  /** Global L2 norm of the raw gradient. */
  gradNorm: number;
  /** Global L2 norm of the update (what was added to the parameters). */
  updateNorm: number;
  /** The learning rate or step size reported by the optimizer (null if none). */
  lr: number | null;
  /** cos of the angle between the update and -gradient: 1 for a pure gradient step, < 0 if the step went uphill (null when either is zero). */
  cosine: number | null;
  clip: ClipInfo | null;
  /** The update was replaced by zeros (a non-finite gradient, or gradient accumulation). */
  skipped: boolean;
  /** The gradient (or loss) was NaN or infinite. */
  nonFinite: boolean;
  /** Gradient accumulation: no update yet. */
  accumulating: boolean;
  lineSearch: LineSearchInfo | null;
  lbfgs: LbfgsInfo | null;
  plateau: StepInfo["plateau"] | null;
  /** Loss (or loss-and-gradient) evaluations made for this step. */
  evals: number;
  /** The parameters at the start of the step, all leaves flattened and joined (recorded every `paramsEvery` steps). */
  params?: number[];
}

/** How `minimize` ended. */
export type StopStatus = "gradNorm" | "lossChange" | "maxSteps" | "cancelled" | "stopped" | "nonFinite" | "lineSearchFailed";

/** A whole run. */
export interface OptimTrace {
  version: 1;
  /** The optimizer's name (e.g. "adam", "chain(lbfgs: scaleByLbfgs, lineSearch: strongWolfeLineSearch)"). */
  optimizer: string;
  /** The parameter leaves, in the order `params` arrays concatenate them. */
  leaves: { path: string; shape: number[] }[];
  steps: TraceStep[];
  /** Filled when the run ends. */
  final: { loss: number; gradNorm: number; params: number[]; status: StopStatus | null; evals: number; steps: number } | null;
}

/** The parameters flattened into one array of numbers (leaves in tree order). */
function flatten(tree: unknown): number[] {
  const out: number[] = [];
  for (const x of treeLeaves(tree)) for (const v of x.toTypedArray()) out.push(v);
  return out;
}

function num(x: number | Tensor): number {
  return x instanceof Tensor ? x.item() : x;
}

/** What one step hands to a recorder. */
export interface StepRecord {
  loss: number | Tensor;
  grads: unknown;
  updates: unknown;
  info?: StepInfo;
  /** The parameters at the start of the step (needed when recording parameters). */
  params?: unknown;
  evals?: number;
}

/**
 * Records a run step by step.
 * @example
 * const rec = new gn.optim.TraceRecorder({ optimizer: opt.name, paramsEvery: 10 });
 * // in the loop, after opt.update:
 * rec.record({ loss, grads, updates, info, params });
 * console.log(gn.optim.traceTable(rec.trace));
 */
export class TraceRecorder {
  readonly trace: OptimTrace;
  private readonly paramsEvery: number;

  constructor(o: { optimizer?: string; paramsEvery?: number } = {}) {
    const every = o.paramsEvery ?? 0;
    if (!Number.isInteger(every) || every < 0) throw new ValueError(`TraceRecorder: paramsEvery must be an integer >= 0 (0: never), got ${every}`);
    this.paramsEvery = every;
    this.trace = { version: 1, optimizer: o.optimizer ?? "", leaves: [], steps: [], final: null };
  }

  /** Adds one step and returns its record. */
  record(r: StepRecord): TraceStep {
    const info = r.info ?? {};
    const { aNorm: gradNorm, bNorm: updateNorm, vdot } = treeNormsAndVdot(r.grads, r.updates);
    const cosine = gradNorm > 0 && updateNorm > 0 && Number.isFinite(gradNorm * updateNorm) ? -vdot / (gradNorm * updateNorm) : null;
    const step: TraceStep = {
      step: this.trace.steps.length,
      loss: num(r.loss),
      gradNorm,
      updateNorm,
      lr: info.lr ?? null,
      cosine,
      clip: info.clip ?? null,
      skipped: !!info.skipped,
      nonFinite: !!info.nonFinite || !Number.isFinite(gradNorm),
      accumulating: !!info.accumulating,
      lineSearch: info.lineSearch ?? null,
      lbfgs: info.lbfgs ?? null,
      plateau: info.plateau ?? null,
      evals: r.evals ?? 1,
    };
    if (this.paramsEvery > 0 && step.step % this.paramsEvery === 0) {
      if (r.params === undefined) throw new ValueError("TraceRecorder.record: paramsEvery is set, so each record needs the params");
      this.noteLeaves(r.params);
      step.params = flatten(r.params);
    }
    this.trace.steps.push(step);
    return step;
  }

  /** Closes the run: the final loss, gradient norm, parameters and status. */
  finish(f: { loss: number | Tensor; gradNorm: number; params: unknown; status: StopStatus | null; evals: number }): void {
    this.noteLeaves(f.params);
    this.trace.final = { loss: num(f.loss), gradNorm: f.gradNorm, params: flatten(f.params), status: f.status, evals: f.evals, steps: this.trace.steps.length };
  }

  private noteLeaves(params: unknown): void {
    if (this.trace.leaves.length === 0) this.trace.leaves = treeLeavesWithPath(params).map(([path, x]) => ({ path, shape: [...x.shape] }));
  }
}

/**
 * The trace as JSON. NaN and ±Infinity (which JSON lacks) are written as the strings "NaN",
 * "Infinity" and "-Infinity"; `traceFromJSON` turns them back into numbers.
 * @example fs.writeFileSync("run.json", gn.optim.traceToJSON(result.trace));
 */
export function traceToJSON(trace: OptimTrace, space?: number): string {
  return JSON.stringify(trace, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), space);
}

/** Reads a trace written by `traceToJSON`. @example const trace = gn.optim.traceFromJSON(text); */
export function traceFromJSON(text: string): OptimTrace {
  const t = JSON.parse(text, (_k, v) => (v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v));
  if (t === null || typeof t !== "object" || t.version !== 1 || !Array.isArray(t.steps)) throw new ValueError("traceFromJSON: this is not a gradnav optimizer trace (version 1)");
  return t as OptimTrace;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "1" : "0";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const STEP_COLUMNS = ["step", "loss", "gradNorm", "updateNorm", "lr", "cosine", "clipped", "clipNorm", "skipped", "nonFinite", "accumulating", "lineSearchStatus", "lineSearchTrials", "lineSearchAlpha", "lbfgsPairs", "lbfgsPairAccepted", "evals"] as const;

function stepRow(s: TraceStep): unknown[] {
  return [
    s.step, s.loss, s.gradNorm, s.updateNorm, s.lr, s.cosine,
    s.clip ? s.clip.clipped : null, s.clip?.norm ?? null,
    s.skipped, s.nonFinite, s.accumulating,
    s.lineSearch?.status ?? null, s.lineSearch ? s.lineSearch.trials.length : null, s.lineSearch?.alpha ?? null,
    s.lbfgs ? s.lbfgs.pairsUsed.length : null, s.lbfgs?.pairAccepted ?? null,
    s.evals,
  ];
}

/**
 * The trace as CSV, one row per step (line searches and L-BFGS summarised; see
 * `lineSearchTrialsToCSV` for every trial). When parameters were recorded, columns p0, p1, ... hold
 * them (empty on the steps in between).
 * @example fs.writeFileSync("run.csv", gn.optim.traceToCSV(result.trace));
 */
export function traceToCSV(trace: OptimTrace): string {
  const nParams = trace.steps.reduce((n, s) => Math.max(n, s.params?.length ?? 0), 0);
  const header = [...STEP_COLUMNS, ...Array.from({ length: nParams }, (_, i) => `p${i}`)];
  const lines = [header.join(",")];
  for (const s of trace.steps) {
    const row = stepRow(s);
    for (let i = 0; i < nParams; i++) row.push(s.params?.[i] ?? null);
    lines.push(row.map(cell).join(","));
  }
  return lines.join("\n") + "\n";
}

/**
 * Every line-search trial as CSV: step, trial index, alpha, loss, slope, and whether the Armijo and
 * curvature conditions held (1/0; empty when not evaluated).
 * @example gn.optim.lineSearchTrialsToCSV(result.trace)
 */
export function lineSearchTrialsToCSV(trace: OptimTrace): string {
  const lines = ["step,trial,alpha,loss,slope,armijo,curvature,accepted"];
  for (const s of trace.steps) {
    if (!s.lineSearch) continue;
    s.lineSearch.trials.forEach((t, i) =>
      lines.push([s.step, i, t.alpha, t.loss, t.slope, t.armijo, t.curvature, t.alpha === s.lineSearch!.alpha && s.lineSearch!.status !== "failed"].map(cell).join(",")),
    );
  }
  return lines.join("\n") + "\n";
}

function fmt(v: number | null): string {
  if (v === null) return "-";
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return v.toPrecision(4);
}

/**
 * A readable table of the trace (every `every`-th step, plus the last), for printing.
 * @example console.log(gn.optim.traceTable(result.trace, { every: 10 }));
 */
export function traceTable(trace: OptimTrace, o: { every?: number } = {}): string {
  const every = Math.max(1, o.every ?? 1);
  const cols = ["step", "loss", "|grad|", "|update|", "lr", "cos", "evals", "notes"];
  const rows: string[][] = [];
  trace.steps.forEach((s, i) => {
    if (i % every !== 0 && i !== trace.steps.length - 1) return;
    const notes: string[] = [];
    if (s.clip?.clipped) notes.push("clipped");
    if (s.skipped) notes.push(s.nonFinite ? "skipped (non-finite)" : "skipped");
    else if (s.nonFinite) notes.push("non-finite");
    if (s.accumulating) notes.push("accumulating");
    if (s.lineSearch) notes.push(`line search: ${s.lineSearch.status}, ${s.lineSearch.trials.length} trial(s)`);
    if (s.lbfgs) notes.push(`${s.lbfgs.pairsUsed.length} pair(s)`);
    if (s.plateau?.reduced) notes.push("lr reduced");
    rows.push([String(s.step), fmt(s.loss), fmt(s.gradNorm), fmt(s.updateNorm), fmt(s.lr), s.cosine === null ? "-" : s.cosine.toFixed(3), String(s.evals), notes.join("; ")]);
  });
  const widths = cols.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((v, j) => (j === r.length - 1 ? v : v.padStart(widths[j]))).join("  ").trimEnd();
  const out = [line(cols), ...rows.map(line)];
  if (trace.final) out.push(`final: loss ${fmt(trace.final.loss)}, |grad| ${fmt(trace.final.gradNorm)}, ${trace.final.steps} steps, ${trace.final.evals} evaluations, status ${trace.final.status}`);
  return out.join("\n");
}
