/**
 * TracIn (Pruthi et al. 2020): influence traced along the training run instead of at the optimum.
 * A gradient step θ_{t+1} = θ_t - η_t ∇R changes a quantity f by about -η_t ∇f(θ_t) · ∇R; the part
 * of ∇R that row i contributes is w_i ∇l_i / n, so summed over the saved checkpoints
 *
 *   df/dw_i ≈ -(1/n) Σ_t η_t ∇f(θ_t) · ∇l_i(θ_t),
 *
 * the same quantity `influence` computes with the inverse Hessian, but needing no Hessian and no
 * convergence: only the checkpoints that training saved and their learning rates.
 */
import { ValueError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import { valueAndGrad } from "../../transforms/autodiff.js";
import type { Quantity } from "./influence.js";
import type { Rows, TrainingProblem } from "./problem.js";

/** A saved point of a training run: flat parameters and the learning rate used from there on. */
export interface Checkpoint {
  theta: Tensor;
  lr: number;
  /** The step or epoch it was saved at (informational). */
  step?: number;
}

/** What `tracIn` returns. */
export interface TracInResult {
  /** Estimated df/dw_i (the sign convention of `influence`): -(1/n) Σ_t η_t ∇f(θ_t)·∇l_i(θ_t). */
  values: Float64Array;
  /** Pruthi et al.'s score Σ_t η_t ∇l_i(θ_t)·∇f(θ_t): positive for proponents when f is a loss. */
  scores: Float64Array;
  checkpoints: number;
  seconds: number;
}

function checkCheckpoints(op: string, problem: TrainingProblem, cps: readonly Checkpoint[]): void {
  if (cps.length === 0) throw new ValueError(`${op}: no checkpoints; pass the parameters saved during training with their learning rates`);
  cps.forEach((c, k) => {
    if (!(c.theta instanceof Tensor) || c.theta.ndim !== 1 || c.theta.shape[0] !== problem.model.size)
      throw new ValueError(`${op}: checkpoint ${k} has parameters of shape [${c.theta?.shape?.join(", ")}]; the model needs a flat vector of ${problem.model.size}`);
    if (!(c.lr > 0) || !Number.isFinite(c.lr)) throw new ValueError(`${op}: checkpoint ${k} has learning rate ${c.lr}; it must be a positive finite number`);
  });
}

/**
 * TracIn scores of every training row on a quantity f over saved checkpoints (see the module notes).
 * One gradient of f and one forward-mode pass over the rows per checkpoint.
 * @example
 * const tr = gn.influence.tracIn(problem, [{ theta: t1, lr: 0.1 }, { theta: t2, lr: 0.1 }], testLoss);
 * gn.influence.topRows(tr.scores, 5); // strongest proponents of a low test loss
 */
export function tracIn(problem: TrainingProblem, checkpoints: readonly Checkpoint[], f: Quantity): TracInResult {
  const t0 = performance.now();
  checkCheckpoints("influence.tracIn", problem, checkpoints);
  const scores = new Float64Array(problem.n);
  for (const c of checkpoints) {
    const theta = ops.cast(c.theta, "float64");
    const [, g] = valueAndGrad(f)(theta) as [Tensor, Tensor];
    const d = problem.perSampleDirectional(theta, g);
    for (let i = 0; i < problem.n; i++) scores[i] += c.lr * d[i];
  }
  const values = scores.map((s) => -s / problem.n);
  return { values, scores, checkpoints: checkpoints.length, seconds: (performance.now() - t0) / 1000 };
}

/**
 * TracIn self-influence Σ_t η_t ||∇l_i(θ_t)||²: rows whose loss gradient stays large through
 * training (hard or mislabelled examples) score high.
 * @example
 * const self = gn.influence.tracInSelf(problem, checkpoints);
 * gn.influence.topRows(self, 10);
 */
export function tracInSelf(problem: TrainingProblem, checkpoints: readonly Checkpoint[], opts: { rows?: Rows } = {}): Float64Array {
  checkCheckpoints("influence.tracInSelf", problem, checkpoints);
  const m = opts.rows ? opts.rows.length : problem.n;
  const out = new Float64Array(m);
  for (const c of checkpoints) {
    const g = problem.perSampleGradients(ops.cast(c.theta, "float64"), opts.rows);
    const sq = ops.sum(ops.square(g), 1).toTypedArray();
    for (let k = 0; k < m; k++) out[k] += c.lr * sq[k];
  }
  return out;
}
