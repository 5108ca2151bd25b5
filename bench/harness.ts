/**
 * Timing: warm up, calibrate how many iterations make one pass last long enough for the clock,
 * then time N passes and keep each pass's time per iteration. bench/peers/torch_bench.py follows
 * the same recipe so its passes compare with ours.
 */
import type { Scale } from "./cases.js";

export interface TimingOptions {
  /** Timed passes wanted (fewer when a case is slow, see maxCaseMs, but at least two). */
  passes: number;
  /** A pass repeats the step until it lasts at least this long (so short ops are not lost in clock noise). */
  minPassMs: number;
  /** Untimed calls before calibrating (JIT compilation, caches, lazy initialisation). */
  warmup: number;
  /**
   * Then keep running untimed until this much time has gone into warm-up: a JIT needs thousands of
   * calls of a small step before it reaches steady speed (an HVP takes ~4,000), far more than one.
   */
  warmupMs: number;
  /** Budget for the timed passes of one case on one engine: slow cases run fewer passes. */
  maxCaseMs: number;
}

export const TIMING: Record<Scale, TimingOptions> = {
  full: { passes: 7, minPassMs: 100, warmup: 1, warmupMs: 1000, maxCaseMs: 5000 },
  quick: { passes: 3, minPassMs: 20, warmup: 1, warmupMs: 200, maxCaseMs: 1500 },
  tiny: { passes: 2, minPassMs: 1, warmup: 1, warmupMs: 0, maxCaseMs: 50 },
};

/** Runs `iters` iterations of a case and returns once their results are computed. */
export type Step = (iters: number) => void | Promise<void>;

export interface Timed {
  /** Iterations per pass. */
  iters: number;
  /** Seconds per iteration, one entry per pass. */
  perIterSec: number[];
}

async function timeOnce(step: Step, iters: number): Promise<number> {
  const t0 = performance.now();
  await step(iters);
  return performance.now() - t0;
}

/** Warms up, calibrates and times a step; see TimingOptions. */
export async function timeStep(step: Step, t: TimingOptions): Promise<Timed> {
  let lastMs = 0;
  let warmMs = 0;
  for (let i = 0; i < t.warmup; i++) warmMs += lastMs = await timeOnce(step, 1);
  // Time-based warm-up, in growing batches; a step slower than the budget is warm after one call.
  for (let k = 1; warmMs < t.warmupMs; k = Math.min(k * 2, 1 << 16)) warmMs += await timeOnce(step, k);
  // Double the iteration count until a call lasts half a pass: one call of a microsecond op says little.
  // A warm-up call that already took a good share of the budget is calibration enough.
  let k = 1;
  if (t.warmup === 0 || lastMs < t.maxCaseMs / 4) {
    lastMs = await timeOnce(step, k);
    while (lastMs < t.minPassMs / 2 && k < 1 << 22) {
      k *= 2;
      lastMs = await timeOnce(step, k);
    }
  }
  const perIterMs = Math.max(lastMs / k, 1e-6);
  const iters = Math.max(1, Math.ceil(t.minPassMs / perIterMs));
  // Slow cases get fewer passes to stay within maxCaseMs, but at least two (a spread needs two).
  const passes = Math.min(t.passes, Math.max(2, Math.floor(t.maxCaseMs / (iters * perIterMs))));
  const perIterSec: number[] = [];
  for (let p = 0; p < passes; p++) perIterSec.push((await timeOnce(step, iters)) / iters / 1e3);
  return { iters, perIterSec };
}

/** Summary of pass times (seconds per iteration). Quartiles interpolate linearly between order statistics. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, extremes and quartiles of a non-empty list. */
export function stats(xs: readonly number[]): Stats {
  if (xs.length === 0) throw new RangeError("stats: no samples");
  const s = [...xs].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), min: s[0], max: s[s.length - 1], q1: quantile(s, 0.25), q3: quantile(s, 0.75) };
}
