/**
 * Schedules: a hyperparameter as a function of the step count, described as plain data (so an
 * optimizer state holding one can be saved as JSON and resumed). Any numeric hyperparameter in an
 * optimizer's `hyper` may be a schedule; the optimizer evaluates it at its own step count (0 for the
 * first update). `scheduleValue(s, step)` evaluates one by hand. The formulas are in docs/optimizers.md.
 */
import { ValueError } from "../core/errors.js";

/** A schedule: plain data whose `schedule` field names the formula. Build one with the functions below. */
export type Schedule =
  | { readonly schedule: "constant"; readonly value: number }
  | { readonly schedule: "polynomial"; readonly init: number; readonly end: number; readonly power: number; readonly steps: number; readonly begin: number }
  | { readonly schedule: "exponential"; readonly init: number; readonly rate: number; readonly steps: number; readonly staircase: boolean; readonly begin: number; readonly end: number | null }
  | { readonly schedule: "piecewiseConstant"; readonly boundaries: readonly number[]; readonly values: readonly number[] }
  | { readonly schedule: "cosineDecay"; readonly init: number; readonly steps: number; readonly alpha: number; readonly exponent: number }
  | { readonly schedule: "warmupCosineDecay"; readonly init: number; readonly peak: number; readonly warmupSteps: number; readonly steps: number; readonly end: number; readonly exponent: number }
  | { readonly schedule: "oneCycle"; readonly steps: number; readonly peak: number; readonly pctStart: number; readonly divFactor: number; readonly finalDivFactor: number };

function need(op: string, name: string, v: number, ok: (v: number) => boolean, rule: string): number {
  if (typeof v !== "number" || !ok(v)) throw new ValueError(`${op}: ${name} must be ${rule}, got ${v}`);
  return v;
}
const finite = (v: number) => Number.isFinite(v);
const positive = (v: number) => Number.isFinite(v) && v > 0;
const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;

/** The same value at every step. @example gn.optim.constantSchedule(0.1) */
export function constantSchedule(value: number): Schedule {
  return { schedule: "constant", value: need("constantSchedule", "value", value, finite, "a finite number") };
}

/**
 * From `init` to `end` along (1 - t/steps)^power over `steps` steps starting at step `begin`; `init`
 * before `begin`, `end` after.
 * @example gn.optim.polynomialSchedule({ init: 1, end: 0, power: 2, steps: 100 })
 */
export function polynomialSchedule(o: { init: number; end: number; power: number; steps: number; begin?: number }): Schedule {
  const op = "polynomialSchedule";
  return {
    schedule: "polynomial",
    init: need(op, "init", o.init, finite, "a finite number"),
    end: need(op, "end", o.end, finite, "a finite number"),
    power: need(op, "power", o.power, positive, "a positive number"),
    steps: need(op, "steps", o.steps, positive, "a positive number"),
    begin: need(op, "begin", o.begin ?? 0, nonNegative, "a number >= 0"),
  };
}

/** A straight line from `init` to `end` over `steps` steps (polynomial with power 1). @example gn.optim.linearSchedule({ init: 0, end: 1e-3, steps: 100 }) */
export function linearSchedule(o: { init: number; end: number; steps: number; begin?: number }): Schedule {
  return polynomialSchedule({ ...o, power: 1 });
}

/**
 * init · rate^((step - begin) / steps), with the exponent floored when `staircase`; `init` before
 * `begin`; optionally bounded by `end` (a floor when rate < 1, a ceiling when rate > 1).
 * @example gn.optim.exponentialDecay({ init: 0.1, rate: 0.5, steps: 10 }) // halves every 10 steps
 */
export function exponentialDecay(o: { init: number; rate: number; steps: number; staircase?: boolean; begin?: number; end?: number }): Schedule {
  const op = "exponentialDecay";
  return {
    schedule: "exponential",
    init: need(op, "init", o.init, finite, "a finite number"),
    rate: need(op, "rate", o.rate, positive, "a positive number"),
    steps: need(op, "steps", o.steps, positive, "a positive number"),
    staircase: !!o.staircase,
    begin: need(op, "begin", o.begin ?? 0, nonNegative, "a number >= 0"),
    end: o.end === undefined ? null : need(op, "end", o.end, finite, "a finite number"),
  };
}

/**
 * values[k] where k is how many boundaries the step has reached (step >= boundary): `values` has one
 * more entry than `boundaries`, which must increase.
 * @example gn.optim.piecewiseConstantSchedule({ boundaries: [100, 200], values: [1e-2, 1e-3, 1e-4] })
 */
export function piecewiseConstantSchedule(o: { boundaries: readonly number[]; values: readonly number[] }): Schedule {
  const op = "piecewiseConstantSchedule";
  if (o.values.length !== o.boundaries.length + 1)
    throw new ValueError(`${op}: values must have one more entry than boundaries (got ${o.values.length} values for ${o.boundaries.length} boundaries)`);
  o.boundaries.forEach((b, i) => {
    need(op, `boundaries[${i}]`, b, nonNegative, "a number >= 0");
    if (i > 0 && b <= o.boundaries[i - 1]) throw new ValueError(`${op}: boundaries must increase, but boundaries[${i}] = ${b} follows ${o.boundaries[i - 1]}`);
  });
  o.values.forEach((v, i) => need(op, `values[${i}]`, v, finite, "a finite number"));
  return { schedule: "piecewiseConstant", boundaries: [...o.boundaries], values: [...o.values] };
}

/**
 * Cosine decay from `init` to `alpha · init` over `steps` steps, then constant:
 * init · ((1 - alpha) · (½(1 + cos(π min(t, steps)/steps)))^exponent + alpha).
 * @example gn.optim.cosineDecaySchedule({ init: 0.1, steps: 1000 })
 */
export function cosineDecaySchedule(o: { init: number; steps: number; alpha?: number; exponent?: number }): Schedule {
  const op = "cosineDecaySchedule";
  return {
    schedule: "cosineDecay",
    init: need(op, "init", o.init, finite, "a finite number"),
    steps: need(op, "steps", o.steps, positive, "a positive number"),
    alpha: need(op, "alpha", o.alpha ?? 0, finite, "a finite number"),
    exponent: need(op, "exponent", o.exponent ?? 1, positive, "a positive number"),
  };
}

/**
 * Linear warmup from `init` (default 0) to `peak` over `warmupSteps`, then cosine decay from `peak` to
 * `end` (default 0), reaching it at step `steps` (which counts the warmup, as in Optax).
 * @example gn.optim.warmupCosineDecaySchedule({ peak: 1e-3, warmupSteps: 100, steps: 1000 })
 */
export function warmupCosineDecaySchedule(o: { init?: number; peak: number; warmupSteps: number; steps: number; end?: number; exponent?: number }): Schedule {
  const op = "warmupCosineDecaySchedule";
  const warmupSteps = need(op, "warmupSteps", o.warmupSteps, nonNegative, "a number >= 0");
  const steps = need(op, "steps", o.steps, positive, "a positive number");
  if (steps <= warmupSteps) throw new ValueError(`${op}: steps (${steps}) must exceed warmupSteps (${warmupSteps}); steps counts the warmup`);
  return {
    schedule: "warmupCosineDecay",
    init: need(op, "init", o.init ?? 0, finite, "a finite number"),
    peak: need(op, "peak", o.peak, finite, "a finite number"),
    warmupSteps,
    steps,
    end: need(op, "end", o.end ?? 0, finite, "a finite number"),
    exponent: need(op, "exponent", o.exponent ?? 1, positive, "a positive number"),
  };
}

/**
 * The one-cycle policy: cosine rise from peak/divFactor to `peak` over the first pctStart · steps
 * steps, then cosine fall to peak/(divFactor · finalDivFactor) at `steps` (defaults as PyTorch's
 * OneCycleLR: pctStart 0.3, divFactor 25, finalDivFactor 1e4).
 * @example gn.optim.oneCycleSchedule({ steps: 1000, peak: 0.01 })
 */
export function oneCycleSchedule(o: { steps: number; peak: number; pctStart?: number; divFactor?: number; finalDivFactor?: number }): Schedule {
  const op = "oneCycleSchedule";
  return {
    schedule: "oneCycle",
    steps: need(op, "steps", o.steps, positive, "a positive number"),
    peak: need(op, "peak", o.peak, finite, "a finite number"),
    pctStart: need(op, "pctStart", o.pctStart ?? 0.3, (v) => v > 0 && v < 1, "in (0, 1)"),
    divFactor: need(op, "divFactor", o.divFactor ?? 25, positive, "a positive number"),
    finalDivFactor: need(op, "finalDivFactor", o.finalDivFactor ?? 1e4, positive, "a positive number"),
  };
}

/** From a to b along half a cosine as p goes from 0 to 1. */
function cosineAnneal(a: number, b: number, p: number): number {
  return b + ((a - b) / 2) * (1 + Math.cos(Math.PI * p));
}

/**
 * True for a plain-data schedule (an object with a string `schedule` field).
 * @example gn.optim.isSchedule(gn.optim.constantSchedule(1)) // true
 */
export function isSchedule(x: unknown): x is Schedule {
  return typeof x === "object" && x !== null && typeof (x as { schedule?: unknown }).schedule === "string";
}

/**
 * The value of schedule `s` at `step` (a number >= 0; fractional steps are allowed).
 * @example gn.optim.scheduleValue(gn.optim.cosineDecaySchedule({ init: 1, steps: 10 }), 5) // 0.5
 */
export function scheduleValue(s: Schedule, step: number): number {
  if (!Number.isFinite(step) || step < 0) throw new ValueError(`scheduleValue: step must be a finite number >= 0, got ${step}`);
  switch (s.schedule) {
    case "constant":
      return s.value;
    case "polynomial": {
      const t = Math.min(Math.max(step - s.begin, 0), s.steps);
      return (s.init - s.end) * Math.pow(1 - t / s.steps, s.power) + s.end;
    }
    case "exponential": {
      if (step < s.begin) return s.init;
      let p = (step - s.begin) / s.steps;
      if (s.staircase) p = Math.floor(p);
      const v = s.init * Math.pow(s.rate, p);
      if (s.end === null) return v;
      return s.rate < 1 ? Math.max(v, s.end) : Math.min(v, s.end);
    }
    case "piecewiseConstant": {
      let k = 0;
      while (k < s.boundaries.length && step >= s.boundaries[k]) k++;
      return s.values[k];
    }
    case "cosineDecay": {
      const t = Math.min(step, s.steps);
      const c = 0.5 * (1 + Math.cos((Math.PI * t) / s.steps));
      return s.init * ((1 - s.alpha) * Math.pow(c, s.exponent) + s.alpha);
    }
    case "warmupCosineDecay": {
      if (step < s.warmupSteps) return s.init + (s.peak - s.init) * (step / s.warmupSteps);
      const span = s.steps - s.warmupSteps;
      const t = Math.min(step - s.warmupSteps, span);
      const c = Math.pow(0.5 * (1 + Math.cos((Math.PI * t) / span)), s.exponent);
      return s.end + (s.peak - s.end) * c;
    }
    case "oneCycle": {
      const initial = s.peak / s.divFactor;
      const final = initial / s.finalDivFactor;
      const rise = s.pctStart * s.steps;
      if (step <= rise) return cosineAnneal(initial, s.peak, step / rise);
      return cosineAnneal(s.peak, final, Math.min((step - rise) / (s.steps - rise), 1));
    }
    default:
      throw new ValueError(`scheduleValue: unknown schedule ${JSON.stringify((s as { schedule?: unknown }).schedule)}; build schedules with gn.optim.*Schedule functions`);
  }
}
