/**
 * Attributions: how much each input feature contributes to one output of a model, per sample.
 * Gradient methods (saliency, gradient x input, integrated gradients, SmoothGrad) are a `grad` with
 * respect to the input; occlusion and feature ablation change the input and watch the output, with
 * no derivative, as a cross-check. Every function returns attributions shaped like x.
 *
 * NaN and infinity: gradients of a model that yields NaN are NaN, and they are returned as they are
 * (not hidden); the integrated-gradients completeness gap is then NaN too.
 */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { sizeOf } from "../core/shape.js";
import * as ops from "../ops/index.js";
import * as random from "../random/index.js";
import { grad } from "../transforms/autodiff.js";
import { stopGradient } from "../transforms/stopGradient.js";
import { type Model, type Target, broadcastLike, callModel, checkInput, decisions, isSingleScore, targetScores } from "./model.js";

/** Options of the gradient attributions. */
export interface AttributionOptions {
  /** The class whose logit is explained (default: each sample's predicted class). Ignored for one score per sample. */
  target?: Target;
}

/** @internal Fixes "predicted" to concrete classes once, so every evaluation explains the same output. */
function resolveTarget(op: string, model: Model, x: Tensor, target: Target | undefined): Target | undefined {
  if (target !== undefined && target !== "predicted") return target;
  const out = callModel(op, model, stopGradient(x));
  if (isSingleScore(out)) return undefined;
  return decisions(out).map((c) => Math.max(c, 0));
}

/** @internal The gradient of the target scores with respect to the input, per sample (shape of x). */
function inputGradient(op: string, model: Model, x: Tensor, target: Target | undefined): Tensor {
  return grad((xx: Tensor) => targetScores(op, callModel(op, model, xx), target).sum())(x);
}

/** @internal Target scores as a host array (no derivative). */
function scoresOf(op: string, model: Model, x: Tensor, target: Target | undefined): Float64Array {
  return Float64Array.from(targetScores(op, callModel(op, model, stopGradient(x)), target).toTypedArray());
}

/**
 * Saliency: the gradient of the explained output with respect to the input, ∂f(x)/∂x, per sample
 * (Simonyan et al. 2013). With `abs`, its absolute value (the usual saliency map).
 * @example
 * const w = gn.tensor([[2], [-3]]);
 * gn.audit.saliency((x) => gn.matmul(x, w), gn.tensor([[1, 1]])) // [[2, -3]]
 */
export function saliency(model: Model, x: Tensor, opts: AttributionOptions & { abs?: boolean } = {}): Tensor {
  checkInput("audit.saliency", x);
  const g = inputGradient("audit.saliency", model, x, resolveTarget("audit.saliency", model, x, opts.target));
  return opts.abs ? ops.abs(g) : g;
}

/**
 * Gradient x input: x ⊙ ∂f(x)/∂x. For a linear model f(x) = w·x + b it is w ⊙ x, each feature's
 * share of f(x) - b.
 * @example
 * const w = gn.tensor([[2], [-3]]);
 * gn.audit.gradientTimesInput((x) => gn.matmul(x, w), gn.tensor([[1, 2]])) // [[2, -6]]
 */
export function gradientTimesInput(model: Model, x: Tensor, opts: AttributionOptions = {}): Tensor {
  checkInput("audit.gradientTimesInput", x);
  const g = inputGradient("audit.gradientTimesInput", model, x, resolveTarget("audit.gradientTimesInput", model, x, opts.target));
  return ops.mul(g, x);
}

/** How integrated gradients approximate the path integral. */
export type IntegrationMethod = "gaussLegendre" | "trapezoid" | "midpoint" | "left" | "right";

/** Options of `integratedGradients`. */
export interface IntegratedGradientsOptions extends AttributionOptions {
  /** The reference input: a number (default 0), one sample's shape, or the batch's shape. */
  baseline?: number | Tensor;
  /** Points on the path from the baseline to x (default 50). */
  steps?: number;
  /** Quadrature rule (default "gaussLegendre", exact for polynomials up to degree 2 steps - 1 along the path). */
  method?: IntegrationMethod;
}

/** The result of `integratedGradients`. */
export interface IntegratedGradientsResult {
  /** Attributions, shaped like x. */
  attributions: Tensor;
  /** f(x) per sample (the explained output). */
  output: Float64Array;
  /** f(baseline) per sample. */
  baselineOutput: Float64Array;
  /** The completeness gap per sample: sum(attributions) - (f(x) - f(baseline)). Zero for exact integration. */
  gap: Float64Array;
  /** max |gap| over the batch (NaN if any output is NaN). */
  maxAbsGap: number;
}

/**
 * @internal Nodes and weights of a quadrature rule on [0, 1]. Gauss-Legendre nodes are the roots of the
 * Legendre polynomial P_n, found by Newton's method from Chebyshev-like starting points.
 */
export function quadrature(method: IntegrationMethod, n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  if (method === "gaussLegendre") {
    for (let i = 0; i < n; i++) {
      let t = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
      let dp = 0;
      for (let it = 0; it < 100; it++) {
        let p0 = 1;
        let p1 = t;
        for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * t * p1 - (k - 1) * p0) / k];
        const pn = n === 1 ? t : p1;
        const pm = n === 1 ? 1 : p0;
        dp = (n * (t * pn - pm)) / (t * t - 1);
        const dt = pn / dp;
        t -= dt;
        if (Math.abs(dt) < 1e-15) break;
      }
      // Recompute the derivative at the converged root for the weight.
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * t * p1 - (k - 1) * p0) / k];
      dp = n === 1 ? 1 : (n * (t * p1 - p0)) / (t * t - 1);
      nodes[i] = (1 - t) / 2;
      weights[i] = 1 / ((1 - t * t) * dp * dp);
    }
    return { nodes, weights };
  }
  for (let i = 0; i < n; i++) {
    if (method === "trapezoid") {
      nodes[i] = n === 1 ? 1 : i / (n - 1);
      weights[i] = n === 1 ? 1 : (i === 0 || i === n - 1 ? 0.5 : 1) / (n - 1);
    } else {
      nodes[i] = method === "midpoint" ? (i + 0.5) / n : method === "left" ? i / n : (i + 1) / n;
      weights[i] = 1 / n;
    }
  }
  return { nodes, weights };
}

/**
 * Integrated gradients (Sundararajan et al. 2017): (x - b) ⊙ ∫₀¹ ∂f(b + α(x - b))/∂x dα, by a
 * quadrature rule over `steps` points. The attributions of a sample add up to f(x) - f(b) when the
 * integral is exact; `gap` reports how far they are (more steps shrink it). For a linear model the
 * gap is zero for any step count.
 * @example
 * const f = (x) => x.square().sum(1);
 * const r = gn.audit.integratedGradients(f, gn.tensor([[1, 2]]), { steps: 8 });
 * r.attributions.toArray(); // [[1, 4]]; r.gap ≈ [0]
 */
export function integratedGradients(model: Model, x: Tensor, opts: IntegratedGradientsOptions = {}): IntegratedGradientsResult {
  const op = "audit.integratedGradients";
  checkInput(op, x);
  const steps = opts.steps ?? 50;
  if (!Number.isInteger(steps) || steps < 1) throw new ValueError(`${op}: steps must be an integer >= 1, got ${steps}`);
  const method = opts.method ?? "gaussLegendre";
  if (!["gaussLegendre", "trapezoid", "midpoint", "left", "right"].includes(method))
    throw new ValueError(`${op}: unknown method ${JSON.stringify(method)} (use gaussLegendre, trapezoid, midpoint, left or right)`);
  const target = resolveTarget(op, model, x, opts.target);
  const xs = stopGradient(x);
  const base = broadcastLike(op, "baseline", opts.baseline, xs);
  const diff = ops.sub(xs, base);
  const { nodes, weights } = quadrature(method, steps);
  let total: Tensor = ops.zerosLike(xs);
  for (let k = 0; k < steps; k++) {
    const point = ops.add(base, ops.mul(diff, nodes[k]));
    total = ops.add(total, ops.mul(inputGradient(op, model, point, target), weights[k]));
  }
  const attributions = ops.mul(total, diff);
  const output = scoresOf(op, model, xs, target);
  const baselineOutput = scoresOf(op, model, base, target);
  const sums = perSampleSums(attributions);
  const gap = new Float64Array(output.length);
  let maxAbsGap = 0;
  for (let i = 0; i < gap.length; i++) {
    gap[i] = sums[i] - (output[i] - baselineOutput[i]);
    maxAbsGap = Number.isNaN(gap[i]) || Number.isNaN(maxAbsGap) ? NaN : Math.max(maxAbsGap, Math.abs(gap[i]));
  }
  return { attributions, output, baselineOutput, gap, maxAbsGap };
}

/** @internal Per-sample sums over every axis but the first. */
export function perSampleSums(t: Tensor): Float64Array {
  const n = t.shape[0];
  const v = t.toTypedArray();
  const m = n === 0 ? 0 : v.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * m; j < (i + 1) * m; j++) s += v[j];
    out[i] = s;
  }
  return out;
}

/** Options of `smoothGrad`. */
export interface SmoothGradOptions extends AttributionOptions {
  /** The PRNG key for the noise; the same key gives the same attributions. */
  key: random.Key;
  /** Noisy copies per sample (default 50). */
  samples?: number;
  /** Noise standard deviation in input units. Default: `noiseLevel` times each sample's value range. */
  sigma?: number;
  /** Noise standard deviation as a fraction of each sample's max - min (default 0.15). */
  noiseLevel?: number;
  /** What is averaged: "saliency" (default) or "gradientTimesInput" (at the noisy point). */
  base?: "saliency" | "gradientTimesInput";
  /** "mean" (SmoothGrad, default), "squared" (SmoothGrad², mean of squares) or "variance" (VarGrad). */
  aggregate?: "mean" | "squared" | "variance";
}

/**
 * SmoothGrad (Smilkov et al. 2017): the average of the attribution over noisy copies x + ε, ε ~ N(0, σ²),
 * which removes much of the gradient's local jitter. The noise comes from `key`: the same key gives
 * the same result, on every platform.
 * @example
 * const f = (x) => x.sin().sum(1);
 * gn.audit.smoothGrad(f, gn.tensor([[0, 1]]), { key: gn.random.key(0), samples: 16, sigma: 0.1 })
 */
export function smoothGrad(model: Model, x: Tensor, opts: SmoothGradOptions): Tensor {
  const op = "audit.smoothGrad";
  checkInput(op, x);
  if (opts === undefined || opts.key === undefined) throw new ValueError(`${op}: give a PRNG key for the noise, e.g. { key: gn.random.key(0) }`);
  const samples = opts.samples ?? 50;
  if (!Number.isInteger(samples) || samples < 1) throw new ValueError(`${op}: samples must be an integer >= 1, got ${samples}`);
  const aggregate = opts.aggregate ?? "mean";
  const target = resolveTarget(op, model, x, opts.target);
  const xs = stopGradient(x);
  let sigma: Tensor;
  if (opts.sigma !== undefined) {
    if (!(opts.sigma >= 0)) throw new ValueError(`${op}: sigma must be >= 0, got ${opts.sigma}`);
    sigma = ops.scalar(opts.sigma, x.dtype);
  } else {
    const level = opts.noiseLevel ?? 0.15;
    if (!(level >= 0)) throw new ValueError(`${op}: noiseLevel must be >= 0, got ${level}`);
    const flat = xs.reshape([x.shape[0], -1]);
    const range = ops.sub(flat.max(1), flat.min(1));
    sigma = ops.mul(range, level).reshape([x.shape[0], ...x.shape.slice(1).map(() => 1)]);
  }
  const keys = random.split(opts.key, samples);
  let s1: Tensor = ops.zerosLike(xs);
  let s2: Tensor = ops.zerosLike(xs);
  for (const k of keys) {
    const noisy = ops.add(xs, ops.mul(random.normal(k, x.shape, { dtype: x.dtype }), sigma));
    let a = inputGradient(op, model, noisy, target);
    if (opts.base === "gradientTimesInput") a = ops.mul(a, noisy);
    s1 = ops.add(s1, a);
    s2 = ops.add(s2, ops.square(a));
  }
  const mean = ops.div(s1, samples);
  if (aggregate === "mean") return mean;
  if (aggregate === "squared") return ops.div(s2, samples);
  if (aggregate === "variance") return ops.sub(ops.div(s2, samples), ops.square(mean));
  throw new ValueError(`${op}: unknown aggregate ${JSON.stringify(aggregate)} (use mean, squared or variance)`);
}

/** Options of `featureAblation`. */
export interface FeatureAblationOptions extends AttributionOptions {
  /** The value a removed feature takes: a number (default 0), one sample's shape, or the batch's shape. */
  baseline?: number | Tensor;
  /**
   * Features removed together, as lists of flat indices into one sample (e.g. the columns of a one-hot
   * block). Every feature in a group gets the group's attribution. Default: each feature on its own.
   */
  groups?: readonly (readonly number[])[];
}

/**
 * Feature ablation: each feature's attribution is f(x) - f(x with that feature (or group) set to the
 * baseline). Derivative-free, so it cross-checks the gradient methods: for a linear model and single
 * features it equals w ⊙ (x - baseline), the same as integrated gradients. Costs one model call per group.
 * @example
 * const w = gn.tensor([[2], [-3]]);
 * gn.audit.featureAblation((x) => gn.matmul(x, w), gn.tensor([[1, 2]])) // [[2, -6]]
 */
export function featureAblation(model: Model, x: Tensor, opts: FeatureAblationOptions = {}): Tensor {
  const op = "audit.featureAblation";
  checkInput(op, x);
  const per = sizeOf(x.shape.slice(1));
  const groups = opts.groups ?? Array.from({ length: per }, (_, i) => [i]);
  for (const [gi, g] of groups.entries())
    for (const i of g)
      if (!Number.isInteger(i) || i < 0 || i >= per) throw new ValueError(`${op}: groups[${gi}] holds index ${i}, outside one sample's ${per} features (shape ${fmtShape(x.shape.slice(1))})`);
  return ablate(op, model, x, opts.baseline, opts.target, groups.map((g) => [...g]), false);
}

/** Options of `occlusion`. */
export interface OcclusionOptions extends AttributionOptions {
  /** The patch size, one entry per axis of a sample (e.g. [4, 4] for [28, 28] images). */
  window: readonly number[];
  /** How far the patch moves along each axis (default: the window, i.e. no overlap). */
  strides?: readonly number[];
  /** What fills the patch: a number (default 0), one sample's shape, or the batch's shape. */
  baseline?: number | Tensor;
}

/**
 * Occlusion (Zeiler and Fergus 2014): slides a patch of baseline values over each sample and
 * attributes the drop f(x) - f(occluded x) to every feature under the patch, averaged over the patches
 * that cover it (features no patch covers get 0). Derivative-free; one model call per patch position.
 * @example
 * const f = (x) => x.sum([1, 2]);
 * gn.audit.occlusion(f, gn.ones([1, 4, 4]), { window: [2, 2] }) // every entry 4
 */
export function occlusion(model: Model, x: Tensor, opts: OcclusionOptions): Tensor {
  const op = "audit.occlusion";
  checkInput(op, x);
  const per = x.shape.slice(1);
  const window = opts?.window;
  if (!window || window.length !== per.length) throw new ShapeError(`${op}: window must have one entry per axis of a sample (shape ${fmtShape(per)}), got ${window ? fmtShape(window) : "none"}`);
  const strides = opts.strides ?? window;
  if (strides.length !== per.length) throw new ShapeError(`${op}: strides must have one entry per axis of a sample (shape ${fmtShape(per)}), got ${fmtShape(strides)}`);
  window.forEach((w, a) => {
    if (!Number.isInteger(w) || w < 1 || w > per[a]) throw new ValueError(`${op}: window[${a}] is ${w}; it must be an integer in [1, ${per[a]}]`);
    if (!Number.isInteger(strides[a]) || strides[a] < 1) throw new ValueError(`${op}: strides[${a}] is ${strides[a]}; it must be an integer >= 1`);
  });
  // Every patch position: the flat indices it covers.
  const starts = per.map((d, a) => {
    const s: number[] = [];
    for (let p = 0; p + window[a] <= d; p += strides[a]) s.push(p);
    return s;
  });
  const rowStrides = per.map((_, a) => sizeOf(per.slice(a + 1)));
  const groups: number[][] = [];
  const walk = (axis: number, corner: number[]): void => {
    if (axis === per.length) {
      const idx: number[] = [];
      const fill = (a: number, off: number): void => {
        if (a === per.length) return void idx.push(off);
        for (let k = 0; k < window[a]; k++) fill(a + 1, off + (corner[a] + k) * rowStrides[a]);
      };
      fill(0, 0);
      groups.push(idx);
      return;
    }
    for (const s of starts[axis]) walk(axis + 1, [...corner, s]);
  };
  walk(0, []);
  return ablate(op, model, x, opts.baseline, opts.target, groups, true);
}

/** @internal Shared by ablation and occlusion: one model call per group; `average` divides by coverage. */
function ablate(op: string, model: Model, x: Tensor, baseline: number | Tensor | undefined, target0: Target | undefined, groups: number[][], average: boolean): Tensor {
  const target = resolveTarget(op, model, x, target0);
  const xs = stopGradient(x);
  const n = x.shape[0];
  const per = sizeOf(x.shape.slice(1));
  const base = broadcastLike(op, "baseline", baseline, xs);
  const full = scoresOf(op, model, xs, target);
  const acc = new Float64Array(n * per);
  const count = new Float64Array(per);
  for (const g of groups) {
    const m = new Uint8Array(per);
    for (const i of g) m[i] = 1;
    const mask = ops.tensor(m, { shape: x.shape.slice(1) });
    const scores = scoresOf(op, model, ops.where(mask, base, xs), target);
    for (const i of g) {
      count[i] += 1;
      for (let r = 0; r < n; r++) acc[r * per + i] += full[r] - scores[r];
    }
  }
  if (average) for (let r = 0; r < n; r++) for (let i = 0; i < per; i++) if (count[i] > 0) acc[r * per + i] /= count[i];
  return ops.tensor(acc, { shape: x.shape, dtype: x.dtype });
}

/** One feature's place in a global sensitivity ranking. */
export interface FeatureRank {
  /** 1 for the feature with the largest mean |attribution|. */
  rank: number;
  /** Column index in the model's input. */
  index: number;
  name: string;
  /** Mean of |attribution| over the samples (NaN samples propagate). */
  meanAbs: number;
  /** Mean signed attribution: positive when the feature pushes the explained output up on average. */
  mean: number;
  /** Share of the total mean |attribution|, in [0, 1]. */
  share: number;
}

/** Options of `featureSensitivity`. */
export interface FeatureSensitivityOptions extends AttributionOptions {
  /** The attribution method (default "integratedGradients"). */
  method?: "saliency" | "gradientTimesInput" | "integratedGradients" | "smoothGrad" | "featureAblation";
  /** Feature names (default "x0", "x1", ...). */
  names?: readonly string[];
  /** Baseline for integrated gradients and ablation (default 0: the training mean for standardised data). */
  baseline?: number | Tensor;
  /** Integrated-gradients steps (default 32). */
  steps?: number;
  /** The key for SmoothGrad (default gn.random.key(0)). */
  key?: random.Key;
}

/**
 * A global feature-sensitivity ranking for a tabular model (x of shape [N, F]): per-sample
 * attributions by `method`, aggregated to the mean |attribution| per feature over the dataset, sorted
 * largest first. Ties keep the column order; NaN sorts last.
 * @example
 * const w = gn.tensor([[0.1], [-3], [1]]);
 * const ranks = gn.audit.featureSensitivity((x) => gn.matmul(x, w), gn.ones([5, 3]), { names: ["a", "b", "c"] });
 * ranks[0].name; // "b"
 */
export function featureSensitivity(model: Model, x: Tensor, opts: FeatureSensitivityOptions = {}): FeatureRank[] {
  const op = "audit.featureSensitivity";
  checkInput(op, x);
  if (x.ndim !== 2) throw new ShapeError(`${op}: needs tabular data of shape [N, F], got ${fmtShape(x.shape)}; for images use attributions and aggregateAttributions`);
  const f = x.shape[1];
  if (opts.names && opts.names.length !== f) throw new ValueError(`${op}: ${opts.names.length} names for ${f} features`);
  const method = opts.method ?? "integratedGradients";
  let attr: Tensor;
  if (method === "saliency") attr = saliency(model, x, opts);
  else if (method === "gradientTimesInput") attr = gradientTimesInput(model, x, opts);
  else if (method === "integratedGradients") attr = integratedGradients(model, x, { target: opts.target, baseline: opts.baseline, steps: opts.steps ?? 32 }).attributions;
  else if (method === "smoothGrad") attr = smoothGrad(model, x, { target: opts.target, key: opts.key ?? random.key(0) });
  else if (method === "featureAblation") attr = featureAblation(model, x, { target: opts.target, baseline: opts.baseline });
  else throw new ValueError(`${op}: unknown method ${JSON.stringify(method)}`);
  const { meanAbs, mean } = aggregateAttributions(attr);
  let total = 0;
  for (const v of meanAbs) total += v;
  const rows = Array.from({ length: f }, (_, i) => ({ rank: 0, index: i, name: opts.names?.[i] ?? `x${i}`, meanAbs: meanAbs[i], mean: mean[i], share: total > 0 ? meanAbs[i] / total : NaN }));
  rows.sort((a, b) => (Number.isNaN(a.meanAbs) ? 1 : Number.isNaN(b.meanAbs) ? -1 : b.meanAbs - a.meanAbs || a.index - b.index));
  rows.forEach((r, i) => (r.rank = i + 1));
  return rows;
}

/**
 * Aggregates per-sample attributions [N, ...features] over the batch: the mean |attribution| and
 * the mean signed attribution per feature (flat, row-major over one sample's shape).
 * @example
 * gn.audit.aggregateAttributions(gn.tensor([[1, -2], [-3, 2]])) // { meanAbs: [2, 2], mean: [-1, 0] }
 */
export function aggregateAttributions(attributions: Tensor): { meanAbs: Float64Array; mean: Float64Array } {
  if (attributions.ndim < 1 || attributions.shape[0] === 0) throw new ShapeError(`audit.aggregateAttributions: needs a non-empty batch [N, ...features], got ${fmtShape(attributions.shape)}`);
  const n = attributions.shape[0];
  const per = attributions.size / n;
  const v = attributions.toTypedArray();
  const meanAbs = new Float64Array(per);
  const mean = new Float64Array(per);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < per; i++) {
      meanAbs[i] += Math.abs(v[r * per + i]) / n;
      mean[i] += v[r * per + i] / n;
    }
  return { meanAbs, mean };
}
