/**
 * The weighted training problem every influence and sensitivity computation differentiates:
 *
 *   R(θ, w) = (1/n) Σ_i w_i l_i(θ) + (λ/2) Σ_k m_k θ_k²
 *
 * with l_i the binary cross-entropy of row i (on the model's logit), w_i its sample weight
 * (default 1), n the number of rows, λ the L2 strength and m the model's penalty mask. Dividing by
 * n (not by Σ w) makes ∂R/∂w_i = l_i / n exactly, which is what implicit differentiation needs.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from "../../core/errors.js";
import { isFloat } from "../../core/dtype.js";
import { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import { grad, jvp } from "../../transforms/autodiff.js";
import { hessian, hvp, jacfwd } from "../../transforms/jacobian.js";
import { stopGradient } from "../../transforms/stopGradient.js";
import type { BinaryClassifier } from "./model.js";

/** Row indices (into the training rows). */
export type Rows = Int32Array | readonly number[];

/** Binary training data: features x [N, ...] and 0/1 labels y [N] (soft labels in [0, 1] also work). */
export interface BinaryData {
  x: Tensor;
  y: Tensor | ArrayLike<number>;
}

/** Options of `trainingProblem`. */
export interface ProblemOptions {
  /** Sample weights w_i >= 0, one per row (default all 1). */
  weights?: ArrayLike<number> | Tensor;
  /** L2 strength λ >= 0 (default 1e-3). Influence needs a positive definite Hessian; λ > 0 helps. */
  l2?: number;
}

/**
 * The weighted, L2-penalised cross-entropy training problem of a binary classifier on a data set
 * (see the module notes for R(θ, w)). Holds the data in float64; every method is a thin layer over
 * gn transforms.
 * @example
 * const x = gn.tensor([[0], [1], [2], [3]], { dtype: "float64" });
 * const problem = gn.influence.trainingProblem(gn.influence.logisticRegression(1), { x, y: [0, 0, 1, 1] }, { l2: 0.1 });
 * problem.objective(problem.model.initial()).item(); // log 2
 */
export class TrainingProblem {
  readonly model: BinaryClassifier;
  /** Features, float64 [n, ...]. */
  readonly x: Tensor;
  /** Labels, float64 [n]. */
  readonly y: Tensor;
  /** Sample weights, float64 [n]. */
  readonly w: Tensor;
  readonly n: number;
  readonly l2: number;
  private readonly mask: Tensor | null;

  constructor(model: BinaryClassifier, data: BinaryData, opts: ProblemOptions = {}) {
    const op = "influence.trainingProblem";
    if (!(data.x instanceof Tensor)) throw new ValueError(`${op}: data.x must be a Tensor [N, ...features]`);
    if (!isFloat(data.x.dtype)) throw new DTypeError(`${op}: data.x has dtype ${data.x.dtype}; it must be float (cast with .astype("float64"))`);
    if (data.x.ndim < 1) throw new ShapeError(`${op}: data.x must have a batch axis, got shape ${fmtShape(data.x.shape)}`);
    this.model = model;
    this.n = data.x.shape[0];
    if (this.n === 0) throw new ValueError(`${op}: the data has no rows`);
    this.x = data.x.dtype === "float64" ? data.x : ops.cast(data.x, "float64");
    this.y = toVector(op, "y", data.y, this.n);
    const yv = this.y.toTypedArray();
    for (let i = 0; i < yv.length; i++)
      if (!(yv[i] >= 0 && yv[i] <= 1)) throw new ValueError(`${op}: y[${i}] is ${yv[i]}; labels must be 0/1 (or probabilities in [0, 1])`);
    this.w = opts.weights === undefined ? ops.ones([this.n], { dtype: "float64" }) : toVector(op, "weights", opts.weights, this.n);
    const wv = this.w.toTypedArray();
    for (let i = 0; i < wv.length; i++)
      if (!(wv[i] >= 0) || !Number.isFinite(wv[i])) throw new ValueError(`${op}: weights[${i}] is ${wv[i]}; sample weights must be finite and >= 0`);
    const l2 = opts.l2 ?? 1e-3;
    if (!(l2 >= 0) || !Number.isFinite(l2)) throw new ValueError(`${op}: l2 must be a finite number >= 0, got ${l2}`);
    this.l2 = l2;
    this.mask = model.penaltyMask ? ops.tensor(model.penaltyMask, { dtype: "float64" }) : null;
  }

  /** The same problem with other sample weights (a copy; the data is shared). */
  withWeights(weights: ArrayLike<number> | Tensor): TrainingProblem {
    return new TrainingProblem(this.model, { x: this.x, y: this.y }, { weights, l2: this.l2 });
  }

  /** The sample weights as numbers. */
  weights(): Float64Array {
    return this.w.toTypedArray() as Float64Array;
  }

  /** Logits of the training rows (all, or `rows`), [m]. */
  logits(theta: Tensor, rows?: Rows): Tensor {
    return this.model.logits(theta, rows === undefined ? this.x : ops.take(this.x, rowTensor(rows, this.n), 0));
  }

  /** Unweighted per-row losses l_i(θ) (binary cross-entropy on the logit), [m]. */
  perSampleLoss(theta: Tensor, rows?: Rows): Tensor {
    const z = this.logits(theta, rows);
    const y = rows === undefined ? this.y : ops.take(this.y, rowTensor(rows, this.n), 0);
    return bce(z, y);
  }

  /** (λ/2) Σ m_k θ_k². */
  penalty(theta: Tensor): Tensor {
    if (this.l2 === 0) return ops.mul(ops.sum(theta), 0);
    const sq = ops.square(theta);
    return ops.mul(ops.sum(this.mask ? ops.mul(sq, this.mask) : sq), this.l2 / 2);
  }

  /**
   * R(θ, w). With `weights` given as a tensor, R is differentiable in them too. With `rows`, the
   * mini-batch estimate (1/m) Σ_{i in rows} w_i l_i + penalty.
   */
  objective(theta: Tensor, weights?: Tensor, rows?: Rows): Tensor {
    const l = this.perSampleLoss(theta, rows);
    let w = weights ?? this.w;
    if (rows !== undefined) w = ops.take(w, rowTensor(rows, this.n), 0);
    const m = rows === undefined ? this.n : rows.length;
    return ops.add(ops.div(ops.sum(ops.mul(l, w)), m), this.penalty(theta));
  }

  /** ∇_θ R. */
  gradient(theta: Tensor): Tensor {
    return grad((t: Tensor) => this.objective(t))(theta);
  }

  /** The Hessian of R (or of its mini-batch estimate on `rows`) times v, without forming the Hessian. */
  hvp(theta: Tensor, v: Tensor, rows?: Rows): Tensor {
    return hvp((t: Tensor) => this.objective(t, undefined, rows), [theta], [v]);
  }

  /**
   * The dense Hessian of R, [P, P]. Models with a design matrix (logistic regression) get the
   * explicit D^T diag(w σ(z)(1 - σ(z)) / n) D + λ diag(m); others get gn.hessian (P Hessian-vector
   * products), so this is for P up to a few thousand.
   */
  hessian(theta: Tensor): Tensor {
    const eye = ops.eye(this.model.size, this.model.size, { dtype: "float64" });
    const pen = this.l2 === 0 ? null : ops.mul(this.mask ? ops.mul(eye, this.mask) : eye, this.l2);
    if (this.model.design) {
      const d = this.model.design(this.x);
      const p = ops.sigmoid(this.logits(theta));
      const c = ops.div(ops.mul(this.w, ops.mul(p, ops.sub(1, p))), this.n);
      const h = ops.matmul(ops.transpose(d), ops.mul(d, ops.reshape(c, [this.n, 1])));
      return pen ? ops.add(h, pen) : h;
    }
    return hessian((t: Tensor) => this.objective(t))(theta);
  }

  /**
   * Per-row gradients ∇_θ l_i (unweighted), [m, P]. For a design-matrix model, (σ(z_i) - y_i) D_i;
   * otherwise a forward-mode Jacobian (P passes over the rows).
   */
  perSampleGradients(theta: Tensor, rows?: Rows): Tensor {
    if (this.model.design) {
      const x = rows === undefined ? this.x : ops.take(this.x, rowTensor(rows, this.n), 0);
      const y = rows === undefined ? this.y : ops.take(this.y, rowTensor(rows, this.n), 0);
      const d = this.model.design(x);
      const r = ops.sub(ops.sigmoid(this.model.logits(theta, x)), y);
      return ops.mul(d, ops.reshape(r, [x.shape[0], 1]));
    }
    return jacfwd((t: Tensor) => this.perSampleLoss(t, rows))(theta);
  }

  /**
   * ∇l_i · v for every row at once, [m]: one forward-mode pass along v (no per-row gradients).
   */
  perSampleDirectional(theta: Tensor, v: Tensor, rows?: Rows): Float64Array {
    const [, t] = jvp((th: Tensor) => this.perSampleLoss(th, rows), [theta], [v]);
    return Float64Array.from(t.toTypedArray());
  }

  /** Predicted probabilities of class 1 on x (default: the training rows), as numbers. */
  probabilities(theta: Tensor, x?: Tensor): Float64Array {
    const z = this.model.logits(stopGradient(theta), x ?? this.x);
    return Float64Array.from(ops.sigmoid(z).toTypedArray());
  }
}

/**
 * Builds the weighted training problem of a binary classifier (see `TrainingProblem`).
 * @example
 * const x = gn.tensor([[0], [1], [2], [3]], { dtype: "float64" });
 * const problem = gn.influence.trainingProblem(gn.influence.logisticRegression(1), { x, y: [0, 1, 0, 1] }, { l2: 0.01 });
 */
export function trainingProblem(model: BinaryClassifier, data: BinaryData, opts: ProblemOptions = {}): TrainingProblem {
  return new TrainingProblem(model, data, opts);
}

/** Per-element binary cross-entropy on logits: softplus(z) - y z (finite for any finite z). @example gn.influence.bce(gn.tensor([0]), gn.tensor([1])) // [log 2] */
export function bce(z: Tensor, y: Tensor): Tensor {
  return ops.sub(ops.softplus(z), ops.mul(y, z));
}

/** @internal Row indices as an int32 tensor, checked against n. */
export function rowTensor(rows: Rows, n: number): Tensor {
  const r = rows instanceof Int32Array ? rows : Int32Array.from(rows);
  for (let i = 0; i < r.length; i++)
    if (!(r[i] >= 0 && r[i] < n)) throw new ValueError(`influence: row index ${r[i]} (position ${i}) is outside [0, ${n})`);
  return ops.tensor(r, { dtype: "int32" });
}

/** @internal A length-n float64 vector from numbers or a tensor. */
export function toVector(op: string, what: string, v: Tensor | ArrayLike<number>, n: number): Tensor {
  const t = v instanceof Tensor ? (v.dtype === "float64" ? v : ops.cast(v, "float64")) : ops.tensor(Float64Array.from(v as ArrayLike<number>), { dtype: "float64" });
  if (t.ndim !== 1 || t.shape[0] !== n) throw new ShapeError(`${op}: ${what} has shape ${fmtShape(t.shape)}; it must have one value per row, shape [${n}]`);
  return t;
}
