/**
 * Local robustness: how fast the model's output can change near a sample. The input Jacobian (one
 * pullback per output), its spectral norm by power iteration on Jacobian-vector products (no dense
 * Jacobian), a sampled local Lipschitz estimate (CLEVER-style), and the margin to the decision
 * boundary with its first-order distance.
 *
 * Every function takes a batch [N, ...features] and returns one result per sample: samples are
 * independent, so one JVP or VJP of the whole batch gives every sample's own product.
 */
import { ValueError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { sizeOf } from "../core/shape.js";
import * as ops from "../ops/index.js";
import * as random from "../random/index.js";
import { grad, jvp, vjp } from "../transforms/autodiff.js";
import { stopGradient } from "../transforms/stopGradient.js";
import { type DecisionOptions, type Labels, type Model, type Target, callModel, checkInput, classMargin, decisions, isSingleScore, perSample, perSampleNorms, targetScores, toIndexArray, checkClasses } from "./model.js";

/**
 * The input Jacobian of each sample: ∂model(x)_i/∂x_i, shape [N, ...outShape, ...featureShape]
 * ([N, C, ...features] for logits). Costs one backward pass per output of a sample (C), whatever N.
 * @example
 * const w = gn.tensor([[1, 2], [3, 4], [5, 6]]); // 3 features -> 2 logits
 * gn.audit.inputJacobian((x) => gn.matmul(x, w), gn.ones([1, 3])) // [[[1, 3, 5], [2, 4, 6]]]
 */
export function inputJacobian(model: Model, x: Tensor): Tensor {
  const op = "audit.inputJacobian";
  checkInput(op, x);
  const [out, pullback] = vjp((xx: Tensor) => callModel(op, model, xx), stopGradient(x));
  const n = x.shape[0];
  const outPer = out.shape.slice(1);
  const k = sizeOf(outPer);
  const rows: Tensor[] = [];
  for (let e = 0; e < k; e++) {
    const seed = new Float64Array(out.size);
    for (let i = 0; i < n; i++) seed[i * k + e] = 1;
    rows.push(pullback(ops.tensor(seed, { shape: out.shape, dtype: out.dtype }))[0]);
  }
  return ops.stack(rows, 1).reshape([n, ...outPer, ...x.shape.slice(1)]);
}

/** Options of `jacobianSpectralNorm`. */
export interface SpectralNormOptions {
  /** Most power iterations (default 100). */
  iterations?: number;
  /** Stop when every sample's estimate changes by less than this, relatively (default 1e-6). */
  tol?: number;
  /** Key for the random start (default gn.random.key(0)). */
  key?: random.Key;
}

/** The result of `jacobianSpectralNorm`. */
export interface SpectralNormResult {
  /** The largest singular value of each sample's Jacobian (NaN if the model's derivative is). */
  norms: Float64Array;
  /** The top right singular vectors (unit input directions of fastest change), shaped like x. */
  directions: Tensor;
  /** Iterations run. */
  iterations: number;
  /** Whether each sample met the tolerance. */
  converged: boolean[];
}

/**
 * The spectral norm ‖J‖₂ of each sample's input Jacobian, by power iteration on JᵀJ: each step is one
 * forward-mode product J v (jvp) and one reverse-mode product Jᵀu (a pullback), so the Jacobian is
 * never formed. It is the largest factor by which a small L2 perturbation of the input can grow in
 * the output. Converges at the rate (σ₂/σ₁)²; a tie of the top singular values converges in value,
 * not in direction.
 * @example
 * const w = gn.tensor([[3, 0], [0, 1]]);
 * gn.audit.jacobianSpectralNorm((x) => gn.matmul(x, w), gn.ones([1, 2])).norms // [3]
 */
export function jacobianSpectralNorm(model: Model, x: Tensor, opts: SpectralNormOptions = {}): SpectralNormResult {
  const op = "audit.jacobianSpectralNorm";
  checkInput(op, x);
  const iterations = opts.iterations ?? 100;
  const tol = opts.tol ?? 1e-6;
  if (!Number.isInteger(iterations) || iterations < 1) throw new ValueError(`${op}: iterations must be an integer >= 1, got ${iterations}`);
  const xs = stopGradient(x);
  const f = (xx: Tensor) => callModel(op, model, xx);
  const [, pullback] = vjp(f, xs);
  const n = x.shape[0];
  let v = normalize(random.normal(opts.key ?? random.key(0), x.shape, { dtype: x.dtype }));
  let prev: Float64Array = new Float64Array(n).fill(NaN);
  let norms: Float64Array = new Float64Array(n);
  const converged = new Array<boolean>(n).fill(false);
  let it = 0;
  while (it < iterations) {
    it++;
    const [, jv] = jvp(f, [xs], [v]);
    norms = perSampleNorms(jv, 2);
    const jtjv: Tensor = pullback(jv)[0];
    let all = true;
    for (let i = 0; i < n; i++) {
      converged[i] = Math.abs(norms[i] - prev[i]) <= tol * Math.max(norms[i], 1e-300);
      all &&= converged[i] || Number.isNaN(norms[i]) || norms[i] === 0;
    }
    prev = norms;
    // A sample whose Jacobian kills v (norm 0) keeps its v; NaN stays NaN.
    const next = normalize(jtjv);
    const zero = perSampleNorms(jtjv, 2).map((s) => (s === 0 ? 1 : 0));
    v = ops.where(perSample(zero, x).greater(0), v, next);
    if (all) break;
  }
  return { norms, directions: v, iterations: it, converged };
}

/** @internal Scales each sample to unit L2 norm (a zero sample stays zero). */
function normalize(t: Tensor): Tensor {
  const norms = perSampleNorms(t, 2).map((s) => (s > 0 ? 1 / s : 0));
  return ops.mul(t, perSample(norms, t));
}

/** What `localLipschitz` measures the rate of change of. */
export type LipschitzOf = "output" | "margin" | "target";

/** Options of `localLipschitz`. */
export interface LocalLipschitzOptions extends DecisionOptions {
  /** Radius of the ball sampled around each sample, in input units (required). */
  radius: number;
  /** The perturbation norm: 2 (default) or Infinity. */
  norm?: 2 | typeof Infinity;
  /** Points sampled in the ball besides the sample itself (default 64). */
  samples?: number;
  /** Key for the sampled points (default gn.random.key(0)). */
  key?: random.Key;
  /**
   * The function whose rate of change is estimated: "output" (the whole output vector: spectral norm of
   * the Jacobian; norm 2 only), "margin" (default: the predicted class's margin over the others, as
   * CLEVER), or "target" (one class's logit, given by `target`).
   */
  of?: LipschitzOf;
  /** The class for of = "target" (default: each sample's predicted class). */
  target?: Target;
  /** Classes whose margin is measured (of = "margin"); default each sample's prediction at x. */
  labels?: Labels;
  /** Power iterations per point for of = "output" (default 30). */
  iterations?: number;
}

/** The result of `localLipschitz`. */
export interface LocalLipschitzResult {
  /**
   * The estimate per sample: the largest gradient norm (dual to the perturbation norm: L2 for L2, L1
   * for L-infinity), or the largest Jacobian spectral norm, over the sampled points. A sample maximum,
   * so it can only underestimate the true local constant.
   */
  lipschitz: Float64Array;
  /** The same rate at the sample itself. */
  atSample: Float64Array;
  /** For of = "margin": the margin at the sample and the CLEVER score min(margin / lipschitz, radius), a rough estimate of the smallest perturbation that changes the decision (0 where already misclassified against labels). */
  margin?: Float64Array;
  clever?: Float64Array;
}

/**
 * A local Lipschitz estimate by gradient-norm sampling (as CLEVER, Weng et al. 2018): draws points
 * uniformly in the ball of `radius` around each sample, takes the gradient (or, for the whole output,
 * the Jacobian's spectral norm) at each, and keeps the largest norm. CLEVER fits a reverse Weibull
 * distribution to batch maxima; this reports the plain maximum, which is what the fit estimates from
 * below. For a linear map the estimate is exact: ‖W‖₂ for the whole output.
 * @example
 * const w = gn.tensor([[3, 0], [0, 1]]);
 * gn.audit.localLipschitz((x) => gn.matmul(x, w), gn.ones([1, 2]), { radius: 0.1, of: "output" }).lipschitz // [3]
 */
export function localLipschitz(model: Model, x: Tensor, opts: LocalLipschitzOptions): LocalLipschitzResult {
  const op = "audit.localLipschitz";
  checkInput(op, x);
  const radius = opts?.radius;
  if (!(typeof radius === "number" && radius >= 0 && Number.isFinite(radius))) throw new ValueError(`${op}: radius must be a finite number >= 0, got ${radius}`);
  const norm = opts.norm ?? 2;
  if (norm !== 2 && norm !== Infinity) throw new ValueError(`${op}: norm must be 2 or Infinity, got ${norm}`);
  const of = opts.of ?? "margin";
  if (of === "output" && norm !== 2) throw new ValueError(`${op}: of "output" supports the L2 norm only (the L-infinity-to-L2 operator norm is NP-hard); use of "margin" or "target" for L-infinity`);
  const samples = opts.samples ?? 64;
  if (!Number.isInteger(samples) || samples < 0) throw new ValueError(`${op}: samples must be an integer >= 0, got ${samples}`);
  const xs = stopGradient(x);
  const n = x.shape[0];
  const out0 = callModel(op, model, xs);
  let cls: Int32Array | undefined;
  let target: Target | undefined = opts.target;
  if (of === "margin") {
    cls = opts.labels === undefined ? decisions(out0, opts).map((c) => Math.max(c, 0)) : toIndexArray(op, "labels", opts.labels, n);
    checkClasses(op, "labels", cls, out0);
  } else if (of === "target" && !isSingleScore(out0) && (target === undefined || target === "predicted")) target = decisions(out0, opts).map((c) => Math.max(c, 0));
  else if (of !== "target" && of !== "output") throw new ValueError(`${op}: unknown of ${JSON.stringify(of)} (use output, margin or target)`);
  const dual = norm === 2 ? 2 : 1;
  const baseKey = opts.key ?? random.key(0);
  const rate = (pt: Tensor, k: number): Float64Array => {
    if (of === "output") return jacobianSpectralNorm(model, pt, { iterations: opts.iterations ?? 30, key: random.foldIn(baseKey, 0x5eed + k) }).norms;
    const scalarFn = (xx: Tensor) => {
      const out = callModel(op, model, xx);
      return (of === "margin" ? classMargin(out, cls!, opts) : targetScores(op, out, target)).sum();
    };
    return perSampleNorms(grad(scalarFn)(pt), dual);
  };
  const atSample = rate(xs, 0);
  const lipschitz = Float64Array.from(atSample);
  const keys = random.split(baseKey, Math.max(samples, 1));
  for (let s = 0; s < samples; s++) {
    const r = rate(ops.add(xs, sampleBall(keys[s], x, radius, norm)), s + 1);
    for (let i = 0; i < n; i++) lipschitz[i] = Number.isNaN(r[i]) || Number.isNaN(lipschitz[i]) ? NaN : Math.max(lipschitz[i], r[i]);
  }
  const result: LocalLipschitzResult = { lipschitz, atSample };
  if (of === "margin") {
    const m = Float64Array.from(classMargin(out0, cls!, opts).toTypedArray());
    result.margin = m;
    result.clever = m.map((mi, i) => (mi <= 0 ? 0 : Math.min(mi / lipschitz[i], radius)));
  }
  return result;
}

/**
 * @internal A uniform sample from the ball of `radius` (per sample): L-infinity uniformly in the box;
 * L2 by a normal direction scaled by radius * u^(1/d).
 */
export function sampleBall(key: random.Key, x: Tensor, radius: number, norm: number): Tensor {
  const [k1, k2] = random.split(key);
  if (norm === Infinity) return random.uniform(k1, x.shape, { min: -radius, max: radius, dtype: x.dtype });
  const d = x.size / Math.max(x.shape[0], 1);
  const dir = normalize(random.normal(k1, x.shape, { dtype: x.dtype }));
  const u = random.uniformValues(k2, x.shape[0]).map((v) => radius * Math.pow(v, 1 / d));
  return ops.mul(dir, perSample(u, x));
}

/** The result of `decisionMargin`. */
export interface DecisionMarginResult {
  /** The class whose margin is measured (the label, or the prediction). */
  classes: Int32Array;
  /** The model's prediction (-1 for a NaN output). */
  predicted: Int32Array;
  /** The strongest competing class (for one score per sample, the other class). */
  runnerUp: Int32Array;
  /** The output margin: the class's logit minus the largest other logit (signed logit for one score). Negative when misclassified. */
  margin: Float64Array;
  /** ‖∇margin‖ (L2) at the sample. */
  gradNorm: Float64Array;
  /** First-order L2 distance to the decision boundary, |margin| / ‖∇margin‖₂: exact for a linear model; an estimate otherwise (DeepFool's first step). */
  distance: Float64Array;
  /** The same for L-infinity perturbations: |margin| / ‖∇margin‖₁. */
  distanceLinf: Float64Array;
}

/**
 * The margin to the decision boundary: how far the class's logit is above the best other one, its
 * gradient, and the first-order distance to where the decision changes (|margin| / ‖∇margin‖). A zero
 * gradient gives an infinite distance; a NaN output gives NaN.
 * @example
 * const w = gn.tensor([[3], [4]]);                // score 3 x0 + 4 x1 - 1, ‖w‖ = 5
 * const m = gn.audit.decisionMargin((x) => gn.matmul(x, w).sub(1), gn.tensor([[1, 1]]));
 * m.margin;   // [6]
 * m.distance; // [1.2]
 */
export function decisionMargin(model: Model, x: Tensor, opts: DecisionOptions & { labels?: Labels } = {}): DecisionMarginResult {
  const op = "audit.decisionMargin";
  checkInput(op, x);
  const xs = stopGradient(x);
  const n = x.shape[0];
  const out = callModel(op, model, xs);
  const predicted = decisions(out, opts);
  const classes = opts.labels === undefined ? predicted.map((c) => Math.max(c, 0)) : toIndexArray(op, "labels", opts.labels, n);
  checkClasses(op, "labels", classes, out);
  const margin = Float64Array.from(classMargin(out, classes, opts).toTypedArray());
  const g = grad((xx: Tensor) => classMargin(callModel(op, model, xx), classes, opts).sum())(xs);
  const gradNorm = perSampleNorms(g, 2);
  const g1 = perSampleNorms(g, 1);
  const runnerUp = new Int32Array(n);
  if (isSingleScore(out)) for (let i = 0; i < n; i++) runnerUp[i] = 1 - classes[i];
  else {
    const c = out.shape[1];
    const v = out.toTypedArray();
    for (let i = 0; i < n; i++) {
      let best = -1;
      for (let j = 0; j < c; j++) if (j !== classes[i] && (best < 0 || v[i * c + j] > v[i * c + best])) best = j;
      runnerUp[i] = best;
    }
  }
  const distance = margin.map((m, i) => Math.abs(m) / gradNorm[i]);
  const distanceLinf = margin.map((m, i) => Math.abs(m) / g1[i]);
  return { classes, predicted, runnerUp, margin, gradNorm, distance, distanceLinf };
}
