/**
 * The accuracy / fairness front: train under a constraint at a sweep of bounds, each run
 * warm-started from the previous one (parameters, and multipliers for the Lagrangian methods), and
 * report every point's multipliers and metrics on the training rows and, when given, a test set.
 */
import { ValueError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import { fitNewton } from "../influence/fit.js";
import type { TrainingProblem } from "../influence/problem.js";
import type { ConstraintKind } from "./constraints.js";
import { exponentiatedGradient, mixtureDecisions } from "./expgrad.js";
import type { Groups } from "./groups.js";
import { type ConstrainedOptions, trainConstrained } from "./lagrangian.js";
import { groupMetrics } from "./metrics.js";

/** The metrics of one model on one data set. */
export interface PointMetrics {
  rows: number;
  accuracy: number;
  demographicParityDifference: number;
  demographicParityRatio: number;
  equalizedOddsDifference: number;
  equalOpportunityDifference: number;
  /** Per group. */
  selectionRates: Record<string, number>;
  truePositiveRates: Record<string, number>;
}

/** One point of the front. */
export interface FrontPoint {
  /** ε, or null for the unconstrained model. */
  bound: number | null;
  method: "unconstrained" | "lagrangian" | "proxy" | "expgrad";
  /** The final (Lagrangian) or mean (expgrad) multipliers, by constraint name; only the nonzero ones. */
  multipliers: Record<string, number>;
  /** Largest γ - ε on the training rows (hard decisions; expected ones for expgrad); <= 0 when met. */
  maxViolation: number;
  train: PointMetrics;
  test?: PointMetrics;
  /** Steps (Lagrangian), rounds (expgrad) or Newton iterations (unconstrained). */
  steps: number;
  seconds: number;
  /** The parameters (the last classifier of the mixture for expgrad). */
  theta: number[];
}

/** The front as plain data (JSON.stringify it). */
export interface FairnessFront {
  version: 1;
  kind: ConstraintKind;
  method: "lagrangian" | "proxy" | "expgrad";
  attribute: string;
  points: FrontPoint[];
}

/** Options of `fairnessFront`. */
export interface FrontOptions extends Omit<ConstrainedOptions, "constraints" | "method" | "theta0" | "multipliers0"> {
  kind: ConstraintKind;
  /** The bounds to sweep; run from the loosest to the tightest. */
  bounds: readonly number[];
  /** Default "lagrangian". */
  method?: "lagrangian" | "proxy" | "expgrad";
  /** Rounds per point for expgrad (default 30). */
  iterations?: number;
  /** A held-out set with its groups (same group names), to report test metrics. */
  test?: { x: Tensor; y: ArrayLike<number> | Tensor; groups: Groups };
  /** Start with the unconstrained optimum (Newton) as the first point (default true). */
  includeUnconstrained?: boolean;
  /** Called after each point (progress reports). */
  onPoint?: (p: FrontPoint) => void;
}

/**
 * Sweeps the constraint bound from loose to tight, warm-starting each run, and returns the front.
 * @example
 * const front = gn.fairness.fairnessFront(problem, groups, { kind: "demographic_parity", bounds: [0.15, 0.1, 0.05, 0.02], method: "proxy", steps: 300 });
 * front.points.map((p) => [p.bound, p.train.accuracy, p.train.demographicParityDifference]);
 */
export function fairnessFront(problem: TrainingProblem, groups: Groups, opts: FrontOptions): FairnessFront {
  const op = "fairness.fairnessFront";
  if (opts.bounds.length === 0) throw new ValueError(`${op}: give at least one bound`);
  const bounds = [...opts.bounds].sort((a, b) => b - a);
  const method = opts.method ?? "lagrangian";
  const y = problem.y.toTypedArray();
  const points: FrontPoint[] = [];
  const measure = (x: Tensor, yy: ArrayLike<number>, g: Groups, decisions: Float64Array, scores?: Float64Array): PointMetrics => {
    const m = groupMetrics({ yTrue: yy, yPred: decisions, scores, groups: g });
    const sel: Record<string, number> = {};
    const tpr: Record<string, number> = {};
    for (const s of m.groups) {
      sel[s.group] = s.selectionRate;
      tpr[s.group] = s.tpr;
    }
    return {
      rows: x.shape[0],
      accuracy: m.overall.accuracy,
      demographicParityDifference: m.summary.demographicParityDifference,
      demographicParityRatio: m.summary.demographicParityRatio,
      equalizedOddsDifference: m.summary.equalizedOddsDifference,
      equalOpportunityDifference: m.summary.equalOpportunityDifference,
      selectionRates: sel,
      truePositiveRates: tpr,
    };
  };
  const testY = opts.test ? (opts.test.y instanceof Float64Array ? opts.test.y : Float64Array.from("toTypedArray" in opts.test.y ? (opts.test.y as Tensor).toTypedArray() : (opts.test.y as ArrayLike<number>))) : null;
  const deterministic = (theta: Tensor) => {
    const on = (x: Tensor, yy: ArrayLike<number>, g: Groups) => {
      const p = Float64Array.from(ops.sigmoid(problem.model.logits(theta, ops.cast(x, "float64"))).toTypedArray());
      return measure(x, yy, g, p.map((v) => (v > 0.5 ? 1 : 0)), p);
    };
    return { train: on(problem.x, y, groups), test: opts.test ? on(opts.test.x, testY!, opts.test.groups) : undefined };
  };
  let theta: Tensor = problem.model.initial();
  let multipliers: Float64Array | undefined;
  const push = (p: FrontPoint) => {
    points.push(p);
    opts.onPoint?.(p);
  };
  if (opts.includeUnconstrained ?? true) {
    const fit = fitNewton(problem);
    theta = fit.theta;
    const m = deterministic(theta);
    push({ bound: null, method: "unconstrained", multipliers: {}, maxViolation: NaN, ...m, steps: fit.iterations, seconds: fit.seconds, theta: Array.from(theta.toTypedArray()) });
  }
  for (const bound of bounds) {
    const constraints = [{ kind: opts.kind, bound }];
    if (method === "expgrad") {
      const eg = exponentiatedGradient(problem, groups, { constraints, iterations: opts.iterations ?? 30, theta0: theta });
      theta = eg.classifiers[eg.classifiers.length - 1];
      const train = measure(problem.x, y, groups, eg.decisions);
      const test = opts.test ? measure(opts.test.x, testY!, opts.test.groups, mixtureDecisions(problem.model, eg, opts.test.x)) : undefined;
      push({ bound, method, multipliers: named(eg.set.constraints.map((c) => c.name), eg.multipliers), maxViolation: eg.maxViolation, train, test, steps: eg.trace.rounds.length, seconds: eg.seconds, theta: Array.from(theta.toTypedArray()) });
      continue;
    }
    const res = trainConstrained(problem, groups, { ...opts, constraints, method, theta0: theta, multipliers0: multipliers });
    theta = res.theta;
    multipliers = res.multipliers;
    const m = deterministic(theta);
    push({ bound, method, multipliers: named(res.trace.constraints, res.multipliers), maxViolation: res.maxViolation, ...m, steps: opts.steps ?? 500, seconds: res.seconds, theta: Array.from(theta.toTypedArray()) });
  }
  return { version: 1, kind: opts.kind, method, attribute: groups.attribute, points };
}

function named(names: readonly string[], values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((name, i) => {
    if (values[i] !== 0) out[name] = values[i];
  });
  return out;
}
