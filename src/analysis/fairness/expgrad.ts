/**
 * The exponentiated-gradient reduction of Agarwal, Beygelzimer, Dudík, Langford and Wallach (2018):
 * fair classification as a game between a learner, who plays classifiers h, and an auditor, who
 * plays multipliers λ in {λ >= 0, ||λ||_1 <= B}, on
 *
 *   L(h, λ) = err(h) + Σ_j λ_j (γ_j(h) - ε_j).
 *
 * Each round the auditor sets λ_t = B exp(φ) / (1 + Σ exp(φ)) and the learner best-responds: since
 * L is linear in h, that is cost-sensitive classification, solved here as a weighted logistic
 * regression (label 1{cost of saying 1 < cost of saying 0}, weight |difference|), warm-started by
 * Newton. Then φ += (η_0 / B) (γ(h_t) - ε), Fairlearn's step size. The answer is the randomized
 * classifier Q that picks one of h_1..h_T uniformly, whose expected decisions satisfy the
 * constraints up to the duality gap ν_T reported in the trace (the run stops once ν_t <= nu).
 */
import { ValueError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import { fitNewton } from "../influence/fit.js";
import type { BinaryClassifier } from "../influence/model.js";
import { type TrainingProblem, trainingProblem } from "../influence/problem.js";
import { type ConstraintSet, type ConstraintSpec, buildConstraints, constraintViolations, maxViolation } from "./constraints.js";
import type { Groups } from "./groups.js";

/** Options of `exponentiatedGradient`. */
export interface ExpGradOptions {
  constraints: readonly ConstraintSpec[] | ConstraintSet;
  /** At most this many rounds (default 50). */
  iterations?: number;
  /** η_0: the auditor's step size is η_0 / B, as in Fairlearn (default 2). */
  eta?: number;
  /** B, the largest total multiplier (default 1 / the smallest bound, capped at 100). */
  bound?: number;
  /** Stop when the duality gap ν_t is at most this (default 1e-3). */
  nu?: number;
  /** Newton steps per best response (default 20; each starts from the previous answer). */
  learnerSteps?: number;
  /** Warm start for the learner's first fit. */
  theta0?: Tensor;
}

/** One round of the trace. */
export interface ExpGradRound {
  round: number;
  /** λ_t the learner responded to. */
  multipliers: number[];
  /** Error and γ - ε of the learner's h_t. */
  error: number;
  violations: number[];
  /** Error and max violation of the uniform mixture Q_t of h_1..h_t. */
  mixtureError: number;
  mixtureMaxViolation: number;
  /** The duality gap ν_t of (Q_t, mean λ). */
  gap: number;
}

/** What `exponentiatedGradient` returns. */
export interface ExpGradResult {
  /** The classifiers h_1..h_T of the mixture (parameters), each with weight 1/T. */
  classifiers: Tensor[];
  weights: number[];
  /** The mean multipliers over the rounds. */
  multipliers: Float64Array;
  /** Expected decisions of the mixture on the training rows. */
  decisions: Float64Array;
  error: number;
  /** γ - ε of the mixture on the training rows. */
  violations: Float64Array;
  maxViolation: number;
  set: ConstraintSet;
  trace: { version: 1; method: "expgrad"; constraints: string[]; bounds: number[]; rounds: ExpGradRound[] };
  seconds: number;
}

/**
 * Runs the exponentiated-gradient reduction on a training problem (see the module notes). The
 * problem's sample weights weight the error; its L2 strength regularises every best response.
 * @example
 * const eg = gn.fairness.exponentiatedGradient(problem, groups, { constraints: [{ kind: "demographic_parity", bound: 0.05 }] });
 * eg.maxViolation;                                            // <= about the gap
 * gn.fairness.mixtureDecisions(problem.model, eg, xTest);     // expected decisions on new rows
 */
export function exponentiatedGradient(problem: TrainingProblem, groups: Groups, opts: ExpGradOptions): ExpGradResult {
  const op = "fairness.exponentiatedGradient";
  const t0 = performance.now();
  const n = problem.n;
  if (groups.index.length !== n) throw new ValueError(`${op}: the groups cover ${groups.index.length} rows but the problem has ${n}`);
  const y = problem.y.toTypedArray();
  const set = "matrix" in opts.constraints ? (opts.constraints as ConstraintSet) : buildConstraints(opts.constraints as ConstraintSpec[], y, groups);
  const j = set.constraints.length;
  const iterations = opts.iterations ?? 50;
  if (!Number.isInteger(iterations) || iterations < 1) throw new ValueError(`${op}: iterations must be an integer >= 1, got ${iterations}`);
  const eta = opts.eta ?? 2;
  let minBound = Infinity;
  for (const b of set.bounds) minBound = Math.min(minBound, b);
  const B = opts.bound ?? Math.min(100, 1 / Math.max(minBound, 1e-2));
  const nu = opts.nu ?? 1e-3;
  if (!(eta > 0) || !(B > 0) || !(nu >= 0)) throw new ValueError(`${op}: eta and bound must be > 0 and nu >= 0 (got ${eta}, ${B}, ${nu})`);
  const w = problem.weights();
  const wsum = w.reduce((s, v) => s + v, 0);

  // err(h) = Σ w_i [h_i (1 - 2 y_i) + y_i] / Σ w: linear in h like the constraints.
  const errCoef = Float64Array.from(w, (wi, i) => (wi * (1 - 2 * y[i])) / wsum);
  const errOffset = w.reduce((s, wi, i) => s + wi * y[i], 0) / wsum;
  const errorOf = (h: ArrayLike<number>) => {
    let s = errOffset;
    for (let i = 0; i < n; i++) s += errCoef[i] * h[i];
    return s;
  };
  let theta = opts.theta0 ? ops.cast(opts.theta0, "float64") : problem.model.initial();
  const bestResponse = (lambda: Float64Array): { theta: Tensor; h: Float64Array } => {
    // The cost of deciding 1 minus the cost of deciding 0, per row.
    const delta = Float64Array.from(errCoef);
    for (let c = 0; c < j; c++) {
      if (lambda[c] === 0) continue;
      const base = c * n;
      for (let i = 0; i < n; i++) delta[i] += lambda[c] * set.matrix[base + i];
    }
    let total = 0;
    for (let i = 0; i < n; i++) total += Math.abs(delta[i]);
    const labels = Float64Array.from(delta, (d) => (d < 0 ? 1 : 0));
    const weights = Float64Array.from(delta, (d) => (total > 0 ? (Math.abs(d) * n) / total : 1));
    const fit = fitNewton(trainingProblem(problem.model, { x: problem.x, y: labels }, { weights, l2: problem.l2 }), {
      theta0: theta,
      maxIter: opts.learnerSteps ?? 20,
      tol: 1e-8,
    });
    theta = fit.theta;
    return { theta: fit.theta, h: hardDecisions(problem.model, fit.theta, problem.x) };
  };

  const phi = new Float64Array(j);
  const lambdaSum = new Float64Array(j);
  const hSum = new Float64Array(n);
  const classifiers: Tensor[] = [];
  const rounds: ExpGradRound[] = [];
  const lagrangian = (err: number, viol: Float64Array, lam: Float64Array) => {
    let s = err;
    for (let c = 0; c < j; c++) s += lam[c] * viol[c];
    return s;
  };
  for (let t = 1; t <= iterations; t++) {
    let z = 0;
    let mx = 0;
    for (let c = 0; c < j; c++) mx = Math.max(mx, phi[c]);
    // B e^φ / (1 + Σ e^φ), shifted by max(φ, 0) for overflow safety.
    for (let c = 0; c < j; c++) z += Math.exp(phi[c] - mx);
    const lambda = Float64Array.from(phi, (p) => (B * Math.exp(p - mx)) / (Math.exp(-mx) + z));
    const { theta: th, h } = bestResponse(lambda);
    classifiers.push(th);
    for (let i = 0; i < n; i++) hSum[i] += h[i];
    for (let c = 0; c < j; c++) lambdaSum[c] += lambda[c];
    const err = errorOf(h);
    const viol = constraintViolations(set, h);
    const q = Float64Array.from(hSum, (s) => s / t);
    const lamBar = Float64Array.from(lambdaSum, (s) => s / t);
    const qErr = errorOf(q);
    const qViol = constraintViolations(set, q);
    const qMax = maxViolation(qViol);
    const lQ = lagrangian(qErr, qViol, lamBar);
    const lHigh = qErr + (qMax > 0 ? B * qMax : 0);
    const saved = theta;
    const best = bestResponse(lamBar);
    theta = saved;
    const lLow = lagrangian(errorOf(best.h), constraintViolations(set, best.h), lamBar);
    const gap = Math.max(lHigh - lQ, lQ - lLow);
    rounds.push({ round: t, multipliers: Array.from(lambda), error: err, violations: Array.from(viol), mixtureError: qErr, mixtureMaxViolation: qMax, gap });
    if (gap <= nu) break;
    const step = eta / B;
    for (let c = 0; c < j; c++) phi[c] += step * viol[c];
  }
  const T = classifiers.length;
  const decisions = Float64Array.from(hSum, (s) => s / T);
  const violations = constraintViolations(set, decisions);
  return {
    classifiers,
    weights: classifiers.map(() => 1 / T),
    multipliers: Float64Array.from(lambdaSum, (s) => s / T),
    decisions,
    error: errorOf(decisions),
    violations,
    maxViolation: maxViolation(violations),
    set,
    trace: { version: 1, method: "expgrad", constraints: set.constraints.map((c) => c.name), bounds: Array.from(set.bounds), rounds },
    seconds: (performance.now() - t0) / 1000,
  };
}

function hardDecisions(model: BinaryClassifier, theta: Tensor, x: Tensor): Float64Array {
  return Float64Array.from(model.logits(theta, x).toTypedArray(), (z) => (z > 0 ? 1 : 0));
}

/**
 * The expected decisions of an exponentiated-gradient mixture on new rows: Σ_t q_t 1{z_t(x) > 0}.
 * @example gn.fairness.mixtureDecisions(problem.model, eg, xTest)
 */
export function mixtureDecisions(model: BinaryClassifier, mix: { classifiers: readonly Tensor[]; weights: readonly number[] }, x: Tensor): Float64Array {
  const xx = x.dtype === "float64" ? x : ops.cast(x, "float64");
  const out = new Float64Array(xx.shape[0]);
  mix.classifiers.forEach((th, t) => {
    const h = hardDecisions(model, th, xx);
    for (let i = 0; i < out.length; i++) out[i] += mix.weights[t] * h[i];
  });
  // Summed weights can round to just above 1.
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]));
  return out;
}
