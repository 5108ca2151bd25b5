/**
 * Fairness-constrained training by a two-player game on the Lagrangian
 *
 *   L(θ, λ) = R(θ) + Σ_j λ_j (γ_j(σ(z(θ))) - ε_j),   λ_j >= 0,
 *
 * with R the training objective (weighted cross-entropy + L2, see gn.influence.TrainingProblem) and
 * γ_j the linear constraint moments of constraints.ts evaluated on the soft decisions σ(z), which
 * are differentiable. Each step takes an optimizer step (gn.optim, Adam by default) on θ to decrease
 * L and a projected gradient step on λ to increase it:
 *
 * - method "lagrangian": λ_j <- clip(λ_j + η_λ (γ_j(σ(z)) - ε_j), 0, λ_max), the surrogate's violation;
 * - method "proxy" (the proxy-Lagrangian of Cotter, Jiang and Sridharan 2019): the θ-player still
 *   descends the surrogate, but λ ascends on the violation of the actual hard decisions 1{z > 0},
 *   so the multipliers stop growing exactly when the real constraint holds. (The paper's λ-player
 *   plays a swap-regret game over a stochastic matrix; this is its simpler gradient form.)
 *
 * Every step (its loss, Lagrangian, gradient norm, the violations λ moved on, and the multipliers)
 * is recorded in the trace, next to the optimizer's own gn.optim trace of the θ-player (whose loss
 * is the Lagrangian); every `evaluateEvery` steps the full training set is evaluated too.
 */
import { ValueError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import * as random from "../../random/index.js";
import { valueAndGrad } from "../../transforms/autodiff.js";
import { adam } from "../../optim/adam.js";
import { type OptimTrace, TraceRecorder } from "../../optim/trace.js";
import { type GradientTransformation, applyUpdates } from "../../optim/transform.js";
import type { TrainingProblem } from "../influence/problem.js";
import { type ConstraintSet, type ConstraintSpec, buildConstraints, constraintViolations, maxViolation } from "./constraints.js";
import type { Groups } from "./groups.js";

/** Which game. */
export type LagrangianMethod = "lagrangian" | "proxy";

/** Options of `trainConstrained`. */
export interface ConstrainedOptions {
  /** The constraint families and bounds (or constraints already built for these rows). */
  constraints: readonly ConstraintSpec[] | ConstraintSet;
  /** Default "lagrangian". */
  method?: LagrangianMethod;
  /** Gradient steps (default 500). */
  steps?: number;
  /** Adam learning rate of the model (default 0.01; ignored when `optimizer` is given). */
  lr?: number;
  /** The θ-player's optimizer, any gn.optim gradient transformation (default gn.optim.adam({ lr })). */
  optimizer?: GradientTransformation;
  /** Step size η_λ of the multipliers (default 0.1). Too large a step makes θ and λ circle each other. */
  multiplierLr?: number;
  /** Upper limit λ_max of every multiplier (default 100). */
  maxMultiplier?: number;
  /** Rows per step (default all: full-batch). Mini-batch moments are scaled to estimate the full ones without bias. */
  batchSize?: number;
  /** Key for the mini-batch order (default key(0)). */
  key?: random.Key;
  /** Warm start: the model's parameters (default the model's initial values). */
  theta0?: Tensor;
  /** Warm start: the multipliers (default zeros). */
  multipliers0?: ArrayLike<number>;
  /** Evaluate on all training rows every this many steps, and at the last step (default max(1, steps / 50)). */
  evaluateEvery?: number;
  /**
   * "last" (default): the final iterate. "best": among the evaluated iterates, the one with the
   * lowest objective whose hard decisions satisfy every constraint within `tolerance`; when none
   * does, the one with the smallest violation.
   */
  select?: "last" | "best";
  /** For select "best" (default 0). */
  tolerance?: number;
}

/** A full-data evaluation. */
export interface ConstrainedEvaluation {
  /** R(θ). */
  objective: number;
  /** Accuracy of the hard decisions 1{z > 0}. */
  accuracy: number;
  /** γ_j - ε_j on the soft decisions σ(z). */
  soft: number[];
  /** γ_j - ε_j on the hard decisions. */
  hard: number[];
}

/** One step of the trace. */
export interface ConstrainedStep {
  step: number;
  /** R on the step's rows. */
  loss: number;
  /** L(θ, λ) on the step's rows. */
  lagrangian: number;
  /** ||∇_θ L||. */
  gradNorm: number;
  /** The multipliers the step used. */
  multipliers: number[];
  /** The violations the multipliers moved on (soft or hard, see the method). */
  violations: number[];
  /** Present every `evaluateEvery` steps. */
  evaluation?: ConstrainedEvaluation;
}

/** The route of a constrained run (plain data: JSON.stringify it). */
export interface ConstrainedTrace {
  version: 1;
  method: LagrangianMethod;
  /** The θ-player's route as a gn.optim trace (loss = the Lagrangian on the step's rows), step for step with `steps`. */
  optim: OptimTrace;
  /** Constraint names, in the order of every multipliers / violations array. */
  constraints: string[];
  bounds: number[];
  steps: ConstrainedStep[];
}

/** What `trainConstrained` returns. */
export interface ConstrainedResult {
  theta: Tensor;
  /** The multipliers at the end (for warm-starting the next run). */
  multipliers: Float64Array;
  /** The step whose parameters `theta` holds. */
  selectedStep: number;
  /** The full-data evaluation of `theta`. */
  evaluation: ConstrainedEvaluation;
  /** max_j hard violation of `theta` (<= 0: every constraint holds on the training rows). */
  maxViolation: number;
  set: ConstraintSet;
  trace: ConstrainedTrace;
  seconds: number;
}

/**
 * Trains a binary classifier under fairness constraints on the training rows by gradient descent on
 * the model and ascent on the multipliers (see the module notes). `groups` must cover the problem's
 * rows. Throws a ValueError for bad options; NaN in the loss stops with an error naming the step.
 * @example
 * const problem = gn.influence.trainingProblem(gn.influence.logisticRegression(d), train, { l2: 1e-3 });
 * const res = gn.fairness.trainConstrained(problem, groups, {
 *   constraints: [{ kind: "demographic_parity", bound: 0.05 }], method: "proxy", steps: 400,
 * });
 * res.maxViolation; // <= ~0 when the constraint holds on the training rows
 */
export function trainConstrained(problem: TrainingProblem, groups: Groups, opts: ConstrainedOptions): ConstrainedResult {
  const op = "fairness.trainConstrained";
  const t0 = performance.now();
  const n = problem.n;
  if (groups.index.length !== n) throw new ValueError(`${op}: the groups cover ${groups.index.length} rows but the problem has ${n}`);
  const y = problem.y.toTypedArray();
  const set = "matrix" in opts.constraints ? (opts.constraints as ConstraintSet) : buildConstraints(opts.constraints as ConstraintSpec[], y, groups);
  if (set.n !== n) throw new ValueError(`${op}: the constraints were built for ${set.n} rows but the problem has ${n}`);
  const method = opts.method ?? "lagrangian";
  if (method !== "lagrangian" && method !== "proxy") throw new ValueError(`${op}: method must be "lagrangian" or "proxy", got ${JSON.stringify(method)}`);
  const steps = positiveInt(op, "steps", opts.steps ?? 500);
  const lr = positive(op, "lr", opts.lr ?? 0.01);
  const etaL = positive(op, "multiplierLr", opts.multiplierLr ?? 0.1);
  const lmax = positive(op, "maxMultiplier", opts.maxMultiplier ?? 100);
  const batch = opts.batchSize ?? n;
  if (!Number.isInteger(batch) || batch < 1 || batch > n) throw new ValueError(`${op}: batchSize must be an integer in [1, ${n}], got ${batch}`);
  const every = positiveInt(op, "evaluateEvery", opts.evaluateEvery ?? Math.max(1, Math.floor(steps / 50)));
  const select = opts.select ?? "last";
  const tolerance = opts.tolerance ?? 0;
  const key = opts.key ?? random.key(0);
  const j = set.constraints.length;

  const a = ops.tensor(set.matrix, { dtype: "float64", shape: [j, n] });
  const shift = ops.tensor(Float64Array.from(set.offsets, (o, c) => o - set.bounds[c]), { dtype: "float64" });
  let theta = opts.theta0 ? ops.cast(opts.theta0, "float64") : problem.model.initial();
  if (theta.ndim !== 1 || theta.shape[0] !== problem.model.size) throw new ValueError(`${op}: theta0 has shape [${theta.shape.join(", ")}]; the model needs [${problem.model.size}]`);
  const lambda = new Float64Array(j);
  if (opts.multipliers0) {
    if (opts.multipliers0.length !== j) throw new ValueError(`${op}: multipliers0 has ${opts.multipliers0.length} values for ${j} constraints`);
    for (let c = 0; c < j; c++) lambda[c] = Math.min(lmax, Math.max(0, opts.multipliers0[c]));
  }

  const evaluate = (th: Tensor): ConstrainedEvaluation => {
    const z = problem.logits(th).toTypedArray();
    const soft = new Float64Array(n);
    const hard = new Float64Array(n);
    let correct = 0;
    for (let i = 0; i < n; i++) {
      soft[i] = 1 / (1 + Math.exp(-z[i]));
      hard[i] = z[i] > 0 ? 1 : 0;
      if (hard[i] === y[i]) correct++;
    }
    return { objective: problem.objective(th).item(), accuracy: correct / n, soft: Array.from(constraintViolations(set, soft)), hard: Array.from(constraintViolations(set, hard)) };
  };

  const opt = opts.optimizer ?? adam({ lr });
  let optState = opt.init(theta);
  const recorder = new TraceRecorder({ optimizer: opt.name });
  const trace: ConstrainedTrace = { version: 1, method, optim: recorder.trace, constraints: set.constraints.map((c) => c.name), bounds: Array.from(set.bounds), steps: [] };
  const candidates: { step: number; theta: Tensor; ev: ConstrainedEvaluation }[] = [];
  let order: number[] = [];
  let pos = n;
  let epoch = 0;
  for (let s = 0; s < steps; s++) {
    let rows: Int32Array | undefined;
    if (batch < n) {
      if (pos + batch > n) {
        order = random.permutation(random.foldIn(key, epoch++), n);
        pos = 0;
      }
      rows = Int32Array.from(order.slice(pos, pos + batch));
      pos += batch;
    }
    const rowsT = rows ? ops.tensor(rows, { dtype: "int32" }) : null;
    const aB = rowsT ? ops.mul(ops.take(a, rowsT, 1), n / batch) : a;
    const lam = ops.tensor(lambda, { dtype: "float64" });
    const lagr = (th: Tensor): [Tensor, { loss: Tensor; soft: Tensor; z: Tensor }] => {
      const z = problem.logits(th, rows);
      const soft = ops.add(ops.reshape(ops.matmul(aB, ops.reshape(ops.sigmoid(z), [z.shape[0], 1])), [j]), shift);
      const loss = problem.objective(th, undefined, rows);
      return [ops.add(loss, ops.dot(lam, soft)), { loss, soft, z }];
    };
    const [[lv, aux], g] = valueAndGrad(lagr, { hasAux: true })(theta) as [[Tensor, { loss: Tensor; soft: Tensor; z: Tensor }], Tensor];
    const lossValue = aux.loss.item();
    if (!Number.isFinite(lossValue)) throw new ValueError(`${op}: the loss became ${lossValue} at step ${s}; lower lr or multiplierLr, or check the data`);
    let viol: Float64Array;
    if (method === "lagrangian") viol = Float64Array.from(aux.soft.toTypedArray());
    else {
      const zb = aux.z.toTypedArray();
      const hard = ops.tensor(Float64Array.from(zb, (zi) => (zi > 0 ? 1 : 0)), { dtype: "float64", shape: [zb.length, 1] });
      viol = Float64Array.from(ops.add(ops.reshape(ops.matmul(aB, hard), [j]), shift).toTypedArray());
    }
    const gv = g.toTypedArray();
    let gn2 = 0;
    for (let i = 0; i < gv.length; i++) gn2 += gv[i] * gv[i];
    const record: ConstrainedStep = { step: s, loss: lossValue, lagrangian: lv.item(), gradNorm: Math.sqrt(gn2), multipliers: Array.from(lambda), violations: Array.from(viol) };
    if (s % every === 0) {
      record.evaluation = evaluate(theta);
      candidates.push({ step: s, theta, ev: record.evaluation });
    }
    trace.steps.push(record);
    // Descent on θ, projected ascent on λ (simultaneous: both use the step's starting point).
    const { updates, state, info } = opt.update(g, optState, theta, { loss: lv, grads: g });
    recorder.record({ loss: lv, grads: g, updates, info, params: theta });
    optState = state;
    theta = applyUpdates(theta, updates);
    for (let c = 0; c < j; c++) lambda[c] = Math.min(lmax, Math.max(0, lambda[c] + etaL * viol[c]));
  }
  const finalEv = evaluate(theta);
  recorder.finish({ loss: finalEv.objective, gradNorm: NaN, params: theta, status: "maxSteps", evals: steps });
  candidates.push({ step: steps, theta, ev: finalEv });
  let chosen = candidates[candidates.length - 1];
  if (select === "best") {
    const feasible = candidates.filter((c) => maxViolation(c.ev.hard) <= tolerance);
    if (feasible.length > 0) chosen = feasible.reduce((b, c) => (c.ev.objective < b.ev.objective ? c : b));
    else chosen = candidates.reduce((b, c) => (maxViolation(c.ev.hard) < maxViolation(b.ev.hard) ? c : b));
  } else if (select !== "last") throw new ValueError(`${op}: select must be "last" or "best", got ${JSON.stringify(select)}`);
  return {
    theta: chosen.theta,
    multipliers: lambda,
    selectedStep: chosen.step,
    evaluation: chosen.ev,
    maxViolation: maxViolation(chosen.ev.hard),
    set,
    trace,
    seconds: (performance.now() - t0) / 1000,
  };
}

function positiveInt(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new ValueError(`${op}: ${name} must be an integer >= 1, got ${v}`);
  return v;
}

function positive(op: string, name: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new ValueError(`${op}: ${name} must be a positive finite number, got ${v}`);
  return v;
}
