/**
 * Adversarial attacks: small input changes chosen by the gradient to change the model's decision.
 * FGSM (one signed-gradient step), PGD (many projected steps, L-infinity or L2, random start), DeepFool
 * (the smallest L2 step to the linearised decision boundary, repeated), and the robust accuracy of a
 * dataset as a curve over epsilon.
 *
 * NaN and infinity: gradient entries that are not finite are treated as 0 (no step along them), so an
 * attack never writes NaN into an input; `nonFiniteGradients` counts them. A model output of NaN counts
 * as a wrong decision.
 */
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import * as ops from "../ops/index.js";
import * as random from "../random/index.js";
import { grad } from "../transforms/autodiff.js";
import { stopGradient } from "../transforms/stopGradient.js";
import { type DecisionOptions, type Labels, type LossFn, type Model, callModel, checkClasses, checkInput, decisions, defaultLoss, isSingleScore, numClasses, perSample, perSampleNorms, scoreAsLogit, toIndexArray } from "./model.js";
import { inputJacobian, sampleBall } from "./robustness.js";

/** The valid input range: [min, max] as numbers, or per-feature tensors (one sample's shape or the batch's). */
export type Bounds = readonly [number | Tensor, number | Tensor];

/** Options every attack takes. */
export interface AttackOptions extends DecisionOptions {
  /** The valid input range; attacked inputs are clipped into it (default: unbounded). */
  bounds?: Bounds;
  /** The per-sample loss to increase (default: cross-entropy, or binary cross-entropy for one score). */
  loss?: LossFn;
  /** Move towards `labels` as target classes (decreasing the loss) instead of away from them. Default false. */
  targeted?: boolean;
}

/** Options of `fgsm`. */
export interface FgsmOptions extends AttackOptions {
  /** The perturbation budget (required), in input units. */
  epsilon: number;
  /** Infinity (default: x + ε sign(∇)) or 2 (x + ε ∇/‖∇‖₂). */
  norm?: 2 | typeof Infinity;
}

/** The result of an attack. */
export interface AttackResult {
  /** The attacked inputs, shaped like x. */
  xAdv: Tensor;
  /** Whether the attacked input changes the decision away from the label (or reaches the target when targeted). */
  success: boolean[];
  /** The model's decisions on xAdv (-1 for NaN outputs). */
  predicted: Int32Array;
  /** Gradient entries that were NaN or infinite and were taken as 0. */
  nonFiniteGradients: number;
}

/** @internal Validated common inputs of the attacks. */
function setup(op: string, model: Model, x: Tensor, y: Labels, opts: AttackOptions) {
  checkInput(op, x);
  const xs = stopGradient(x);
  const n = x.shape[0];
  const labels = toIndexArray(op, "labels", y, n);
  const yt = ops.tensor(labels, { dtype: "int32" });
  const loss = opts.loss ?? defaultLoss(opts);
  const lossSum = (xx: Tensor): Tensor => {
    const out = callModel(op, model, xx);
    checkClasses(op, "labels", labels, out);
    const l = loss(out, yt);
    if (!(l instanceof Tensor) || l.size !== n) throw new ValueError(`${op}: the loss must return one value per sample (shape [${n}]), got ${l instanceof Tensor ? `shape [${l.shape.join(", ")}]` : typeof l}`);
    // Summed, so each sample's gradient is its own loss's gradient; a targeted attack descends.
    return opts.targeted ? l.sum().neg() : l.sum();
  };
  const bounds = opts.bounds ? ([boundTensor(op, opts.bounds[0], xs), boundTensor(op, opts.bounds[1], xs)] as const) : null;
  if (bounds) {
    const lo = bounds[0].toTypedArray();
    const hi = bounds[1].toTypedArray();
    for (let i = 0; i < lo.length; i++) if (!(lo[i] <= hi[i])) throw new ValueError(`${op}: bounds are empty at element ${i}: min ${lo[i]} > max ${hi[i]}`);
  }
  return { xs, n, labels, lossSum, bounds };
}

function boundTensor(op: string, b: number | Tensor, x: Tensor): Tensor {
  if (typeof b === "number") return ops.full(x.shape, b, { dtype: x.dtype });
  if (!(b instanceof Tensor)) throw new ValueError(`${op}: bounds must be numbers or tensors`);
  return ops.broadcastTo(b.astype(x.dtype), x.shape);
}

function clipTo(x: Tensor, bounds: readonly [Tensor, Tensor] | null): Tensor {
  return bounds ? ops.clip(x, bounds[0], bounds[1]) : x;
}

/** @internal The gradient with non-finite entries replaced by 0, and how many there were. */
function finiteGradient(g: Tensor): [Tensor, number] {
  const ok = ops.isFinite(g);
  const bad = g.size - (ops.sum(ok.astype("int32")).item() as number);
  return [bad > 0 ? ops.where(ok, g, 0) : g, bad];
}

/** @internal The ascent direction: sign(g) for L-infinity, g/‖g‖₂ for L2 (0 where g is 0). */
function steepest(g: Tensor, norm: number): Tensor {
  if (norm === Infinity) return ops.sign(g);
  const inv = perSampleNorms(g, 2).map((s) => (s > 0 ? 1 / s : 0));
  return ops.mul(g, perSample(inv, g));
}

/** @internal Projects x onto the norm ball of radius eps around x0 (per sample), then into the bounds. */
function project(x: Tensor, x0: Tensor, eps: number, norm: number, bounds: readonly [Tensor, Tensor] | null): Tensor {
  let d = ops.sub(x, x0);
  if (norm === Infinity) d = ops.clip(d, -eps, eps);
  else {
    const scale = perSampleNorms(d, 2).map((s) => (s > eps ? eps / s : 1));
    d = ops.mul(d, perSample(scale, d));
  }
  // Clipping into the bounds only moves coordinates towards x0 (which lies inside them), so the result stays in the ball.
  return clipTo(ops.add(x0, d), bounds);
}

function successOf(pred: Int32Array, labels: Int32Array, targeted: boolean): boolean[] {
  return Array.from(pred, (p, i) => (targeted ? p === labels[i] : p !== labels[i]));
}

function checkEpsilon(op: string, eps: unknown): number {
  if (!(typeof eps === "number" && eps >= 0 && Number.isFinite(eps))) throw new ValueError(`${op}: epsilon must be a finite number >= 0, got ${eps}`);
  return eps;
}

function checkNorm(op: string, norm: unknown): 2 | typeof Infinity {
  if (norm !== 2 && norm !== Infinity) throw new ValueError(`${op}: norm must be Infinity or 2, got ${norm}`);
  return norm;
}

/**
 * The fast gradient sign method (Goodfellow et al. 2015): one step of size ε along the sign of the
 * loss gradient (L-infinity), or along the normalised gradient (L2), then clipped into the bounds.
 * For logistic regression with label 1 this is x - ε sign(w).
 * @example
 * const w = gn.tensor([[2], [-1]]);
 * const r = gn.audit.fgsm((x) => gn.matmul(x, w), gn.tensor([[0.5, 0.5]]), [1], { epsilon: 0.1 });
 * r.xAdv.toArray(); // [[0.4, 0.6]]
 */
export function fgsm(model: Model, x: Tensor, y: Labels, opts: FgsmOptions): AttackResult {
  const op = "audit.fgsm";
  const eps = checkEpsilon(op, opts?.epsilon);
  const norm = checkNorm(op, opts.norm ?? Infinity);
  const { xs, labels, lossSum, bounds } = setup(op, model, x, y, opts);
  const [g, bad] = finiteGradient(grad(lossSum)(xs));
  const xAdv = clipTo(ops.add(xs, ops.mul(steepest(g, norm), eps)), bounds);
  const predicted = decisions(callModel(op, model, xAdv), opts);
  return { xAdv, predicted, success: successOf(predicted, labels, !!opts.targeted), nonFiniteGradients: bad };
}

/** Options of `pgd`. */
export interface PgdOptions extends AttackOptions {
  /** The radius of the ball (required), in input units. */
  epsilon: number;
  /** Infinity (default) or 2. */
  norm?: 2 | typeof Infinity;
  /** Steps per run (default 10). */
  steps?: number;
  /** Step size (default 2.5 ε / steps, as Madry et al.). */
  stepSize?: number;
  /** Start from a uniform random point of the ball (default true). */
  randomStart?: boolean;
  /** Independent runs; a sample keeps the first successful one (default 1). */
  restarts?: number;
  /** Key for the random starts (default gn.random.key(0)). */
  key?: random.Key;
}

/**
 * Projected gradient descent (Madry et al. 2018): from x (or a random point of the ball), repeat a
 * steepest-ascent step on the loss and a projection back onto the ε-ball around x and into the valid
 * range. Each sample keeps the first iterate that changes its decision (else its last iterate), so
 * `success` is true exactly when an adversarial input inside the ball was found.
 * @example
 * const w = gn.tensor([[2], [-1]]);
 * const r = gn.audit.pgd((x) => gn.matmul(x, w), gn.tensor([[0.1, 0.1]]), [1], { epsilon: 0.2, bounds: [0, 1] });
 * r.success; // [true]
 */
export function pgd(model: Model, x: Tensor, y: Labels, opts: PgdOptions): AttackResult {
  const op = "audit.pgd";
  const eps = checkEpsilon(op, opts?.epsilon);
  const norm = checkNorm(op, opts.norm ?? Infinity);
  const steps = opts.steps ?? 10;
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`${op}: steps must be an integer >= 0, got ${steps}`);
  const stepSize = opts.stepSize ?? (steps > 0 ? (2.5 * eps) / steps : 0);
  if (!(stepSize >= 0 && Number.isFinite(stepSize))) throw new ValueError(`${op}: stepSize must be a finite number >= 0, got ${stepSize}`);
  const restarts = opts.restarts ?? 1;
  if (!Number.isInteger(restarts) || restarts < 1) throw new ValueError(`${op}: restarts must be an integer >= 1, got ${restarts}`);
  const { xs, n, labels, lossSum, bounds } = setup(op, model, x, y, opts);
  const targeted = !!opts.targeted;
  const keys = random.split(opts.key ?? random.key(0), restarts);
  let best: Tensor | null = null;
  const done = new Array<boolean>(n).fill(false);
  let badTotal = 0;
  for (let r = 0; r < restarts && done.some((d) => !d); r++) {
    let xa = opts.randomStart === false ? xs : project(ops.add(xs, sampleBall(keys[r], xs, eps, norm)), xs, eps, norm, bounds);
    // found[i]: the iterate recorded for sample i in this run (first success, else the last).
    let found = xa;
    const hit = new Array<boolean>(n).fill(false);
    const record = (pt: Tensor) => {
      const s = successOf(decisions(callModel(op, model, pt), opts), labels, targeted);
      const take = s.map((si, i) => si && !hit[i]);
      if (take.some((t) => t)) found = ops.where(perSample(take.map(Number), pt).greater(0), pt, found);
      s.forEach((si, i) => (hit[i] ||= si));
    };
    record(xa);
    for (let t = 0; t < steps && hit.some((h) => !h); t++) {
      const [g, bad] = finiteGradient(grad(lossSum)(xa));
      badTotal += bad;
      xa = project(ops.add(xa, ops.mul(steepest(g, norm), stepSize)), xs, eps, norm, bounds);
      record(xa);
    }
    const last = ops.where(perSample(hit.map(Number), xa).greater(0), found, xa);
    // Keep earlier runs' successes; take this run for samples not yet broken.
    best = best === null ? last : ops.where(perSample(done.map(Number), xa).greater(0), best, last);
    hit.forEach((h, i) => (done[i] ||= h));
  }
  const xAdv = best ?? xs;
  const predicted = decisions(callModel(op, model, xAdv), opts);
  return { xAdv, predicted, success: successOf(predicted, labels, targeted), nonFiniteGradients: badTotal };
}

/** Options of `deepFool`. */
export interface DeepFoolOptions extends DecisionOptions {
  /** Most linearisation steps (default 50). */
  maxIter?: number;
  /** The final step is (1 + overshoot) times the accumulated one, to cross the boundary (default 0.02). */
  overshoot?: number;
  /** Competing classes considered: the top `candidates` of the original logits (default 10). */
  candidates?: number;
  /** The valid input range (the result is clipped into it). */
  bounds?: Bounds;
}

/** The result of `deepFool`. */
export interface DeepFoolResult {
  /** x + (1 + overshoot) r per sample, clipped into the bounds. */
  xAdv: Tensor;
  /** xAdv - x. */
  perturbation: Tensor;
  /** ‖xAdv - x‖₂ per sample: an upper bound on the distance to the decision boundary (exact for linear models, times 1 + overshoot). */
  norms: Float64Array;
  /** Whether the decision changed. */
  flipped: boolean[];
  /** Linearisation steps each sample took. */
  iterations: Int32Array;
  /** The decision at x and at xAdv. */
  original: Int32Array;
  predicted: Int32Array;
}

/**
 * DeepFool (Moosavi-Dezfooli et al. 2016): the smallest L2 step to the decision boundary of the model
 * linearised at the current point, repeated until the decision changes. For class k0 and each
 * competitor k it takes w_k = ∇(f_k - f_k0) and picks the k with the smallest |f_k - f_k0| / ‖w_k‖₂;
 * for a linear classifier one step reaches the nearest boundary exactly. Needs each sample's Jacobian
 * (one pullback per class). Samples whose output is NaN are left unchanged.
 * @example
 * const w = gn.tensor([[3], [4]]);
 * const r = gn.audit.deepFool((x) => gn.matmul(x, w).sub(1), gn.tensor([[1, 1]]), { overshoot: 0 });
 * r.norms; // [1.2]: |3 + 4 - 1| / 5
 */
export function deepFool(model: Model, x: Tensor, opts: DeepFoolOptions = {}): DeepFoolResult {
  const op = "audit.deepFool";
  checkInput(op, x);
  const maxIter = opts.maxIter ?? 50;
  const overshoot = opts.overshoot ?? 0.02;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new ValueError(`${op}: maxIter must be an integer >= 1, got ${maxIter}`);
  if (!(overshoot >= 0)) throw new ValueError(`${op}: overshoot must be >= 0, got ${overshoot}`);
  const xs = stopGradient(x);
  const n = x.shape[0];
  const per = x.size / Math.max(n, 1);
  const bounds = opts.bounds ? ([boundTensor(op, opts.bounds[0], xs), boundTensor(op, opts.bounds[1], xs)] as const) : null;
  const out0 = callModel(op, model, xs);
  const original = decisions(out0, opts);
  const single = isSingleScore(out0);
  const c = numClasses(out0);
  const ncand = Math.min(opts.candidates ?? 10, c);
  // Candidate classes per sample: the top-ncand of the original output.
  const v0 = out0.toTypedArray();
  const cands = Array.from({ length: n }, (_, i) =>
    single ? [0, 1] : Array.from({ length: c }, (_, j) => j).sort((a, b) => v0[i * c + b] - v0[i * c + a]).slice(0, ncand),
  );
  const rTot = new Float64Array(n * per);
  const iterations = new Int32Array(n);
  const active = Array.from(original, (o) => o >= 0);
  let xa = xs;
  const current = (): Tensor => clipTo(ops.add(xs, ops.mul(ops.tensor(rTot, { shape: x.shape, dtype: x.dtype }), 1 + overshoot)), bounds);
  for (let it = 0; it < maxIter && active.some((a) => a); it++) {
    const out = callModel(op, model, xa);
    const pred = decisions(out, opts);
    for (let i = 0; i < n; i++) if (active[i] && pred[i] !== original[i]) active[i] = false;
    if (!active.some((a) => a)) break;
    // Single score: the one "class function" is the logit; multi-class: the Jacobian of all logits.
    const jac = single ? inputJacobianOfLogit(op, model, xa, opts) : inputJacobian(model, xa);
    const jv = jac.toTypedArray();
    const ov = single ? scoreAsLogit(out, opts).toTypedArray() : out.toTypedArray();
    for (let i = 0; i < n; i++) {
      if (!active[i]) continue;
      let bestRatio = Infinity;
      let bestW: Float64Array | null = null;
      let bestF = 0;
      if (single) {
        // The boundary is logit = 0: w = ∇logit, f = -logit moves to it.
        const w = Float64Array.from(jv.subarray(i * per, (i + 1) * per));
        const f = ov[i];
        const wn = norm2(w);
        if (wn > 0 && Number.isFinite(f)) [bestRatio, bestW, bestF] = [Math.abs(f) / wn, w, -f];
      } else {
        const k0 = original[i];
        for (const k of cands[i]) {
          if (k === k0) continue;
          const w = new Float64Array(per);
          for (let j = 0; j < per; j++) w[j] = jv[(i * c + k) * per + j] - jv[(i * c + k0) * per + j];
          const f = ov[i * c + k] - ov[i * c + k0];
          const wn = norm2(w);
          if (!(wn > 0) || !Number.isFinite(f)) continue;
          const ratio = Math.abs(f) / wn;
          if (ratio < bestRatio) [bestRatio, bestW, bestF] = [ratio, w, Math.abs(f)];
        }
      }
      iterations[i]++;
      if (bestW === null) {
        active[i] = false; // no finite, non-zero direction: nothing to follow
        continue;
      }
      const wn2 = norm2(bestW) ** 2;
      const scale = bestF / wn2;
      for (let j = 0; j < per; j++) rTot[i * per + j] += scale * bestW[j];
    }
    xa = current();
  }
  const xAdv = current();
  const perturbation = ops.sub(xAdv, xs);
  const predicted = decisions(callModel(op, model, xAdv), opts);
  return { xAdv, perturbation, norms: perSampleNorms(perturbation, 2), flipped: Array.from(predicted, (p, i) => p !== original[i]), iterations, original, predicted };
}

function inputJacobianOfLogit(op: string, model: Model, x: Tensor, opts: DecisionOptions): Tensor {
  return grad((xx: Tensor) => scoreAsLogit(callModel(op, model, xx), opts).sum())(x);
}

function norm2(w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * w[i];
  return Math.sqrt(s);
}

/** Options of `robustAccuracyCurve`. */
export interface RobustAccuracyOptions extends AttackOptions {
  /** The budgets to evaluate (required), in input units; sorted ascending in the result. */
  epsilons: readonly number[];
  /** "pgd" (default) or "fgsm". */
  attack?: "pgd" | "fgsm";
  /** Infinity (default) or 2. */
  norm?: 2 | typeof Infinity;
  /** PGD settings (see `pgd`). */
  steps?: number;
  stepSize?: number;
  restarts?: number;
  randomStart?: boolean;
  key?: random.Key;
  /** Samples attacked at once (default: all). */
  batchSize?: number;
}

/** One point of a robust-accuracy curve. */
export interface RobustAccuracyPoint {
  epsilon: number;
  /** Fraction of samples classified correctly with no adversarial input found within epsilon. */
  accuracy: number;
  /** Count of such samples. */
  correct: number;
}

/**
 * Robust accuracy as a curve over epsilon: for each budget, the fraction of samples that the model
 * classifies correctly and for which the attack finds no adversarial input in the ε-ball. An
 * adversarial input found at a smaller ε also lies in every larger ball, so a sample broken at one
 * budget counts as broken at all larger ones: the curve never increases, and at ε = 0 it is the clean
 * accuracy.
 * @example
 * const w = gn.tensor([[2], [-1]]);
 * gn.audit.robustAccuracyCurve((x) => gn.matmul(x, w), gn.tensor([[1, 0], [0, 1]]), [1, 0], { epsilons: [0, 0.3, 1] })
 * // [{ epsilon: 0, accuracy: 1, ... }, { epsilon: 0.3, accuracy: 1, ... }, { epsilon: 1, accuracy: 0, ... }]
 */
export function robustAccuracyCurve(model: Model, x: Tensor, y: Labels, opts: RobustAccuracyOptions): RobustAccuracyPoint[] {
  const op = "audit.robustAccuracyCurve";
  checkInput(op, x);
  if (!opts || !Array.isArray(opts.epsilons) || opts.epsilons.length === 0) throw new ValueError(`${op}: give the budgets to evaluate, e.g. { epsilons: [0, 0.01, 0.03] }`);
  const epsilons = [...opts.epsilons].map((e) => checkEpsilon(op, e)).sort((a, b) => a - b);
  const n = x.shape[0];
  const labels = toIndexArray(op, "labels", y, n);
  const attack = opts.attack ?? "pgd";
  if (attack !== "pgd" && attack !== "fgsm") throw new ValueError(`${op}: attack must be "pgd" or "fgsm", got ${JSON.stringify(attack)}`);
  const batch = opts.batchSize ?? n;
  if (!Number.isInteger(batch) || batch < 1) throw new ValueError(`${op}: batchSize must be an integer >= 1, got ${batch}`);
  const broken = new Array<boolean>(n).fill(false);
  const xs = stopGradient(x);
  const clean = decisions(callModel(op, model, xs), opts);
  clean.forEach((p, i) => (broken[i] = p !== labels[i]));
  const points: RobustAccuracyPoint[] = [];
  for (const [e, eps] of epsilons.entries()) {
    if (eps > 0)
      for (let s = 0; s < n; s += batch) {
        const idx: number[] = [];
        for (let i = s; i < Math.min(s + batch, n); i++) if (!broken[i]) idx.push(i);
        if (idx.length === 0) continue;
        const xb = ops.take(xs, idx, 0);
        const yb = idx.map((i) => labels[i]);
        const common = { ...opts, targeted: false, epsilon: eps };
        const r =
          attack === "fgsm"
            ? fgsm(model, xb, yb, common)
            : pgd(model, xb, yb, { ...common, key: random.foldIn(opts.key ?? random.key(0), e * 1_000_003 + s) });
        r.success.forEach((ok, k) => (broken[idx[k]] ||= ok));
      }
    const correct = broken.filter((b) => !b).length;
    points.push({ epsilon: eps, accuracy: n === 0 ? NaN : correct / n, correct });
  }
  return points;
}
