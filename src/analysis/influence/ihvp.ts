/**
 * Inverse-Hessian-vector products x = (H + δI)^{-1} b, where H is the Hessian of the training
 * objective R at θ: the one expensive step of every influence and implicit-differentiation
 * computation. Three ways, from exact to scalable:
 *
 * - "exact": the dense Hessian and a Cholesky solve (P up to a few thousand);
 * - "cg": conjugate gradients, one Hessian-vector product per iteration, never a dense Hessian;
 * - "lissa": the stochastic Neumann-series recursion of Agarwal, Bullins and Hazan (2017),
 *   x_{j+1} = x_j + (b - (H_B + δI) x_j) / s, with H_B the Hessian on a random mini-batch B and s a
 *   scale above the largest eigenvalue of H + δI; the result of each of `repeats` runs is averaged.
 */
import { ValueError } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import * as random from "../../random/index.js";
import { solveSpd } from "./fit.js";
import type { TrainingProblem } from "./problem.js";

/** Which inverse-HVP solver. */
export type InverseHvpMethod = "exact" | "cg" | "lissa";

/** Options of LiSSA. */
export interface LissaOptions {
  /** s: must exceed the largest eigenvalue of H + δI (default 1.5 × a power-iteration estimate). */
  scale?: number;
  /** Iterations per run (default 500). */
  depth?: number;
  /** Independent runs averaged (default 1). */
  repeats?: number;
  /** Rows per Hessian-vector product (default all rows, which makes the recursion deterministic). */
  batchSize?: number;
  /** Key for the mini-batches and the power iteration (default key(0)). */
  key?: random.Key;
}

/** Options of `inverseHvp`. */
export interface InverseHvpOptions {
  /** Default "exact" for up to 2,000 parameters, else "cg". */
  method?: InverseHvpMethod;
  /** δ >= 0: solve (H + δI) x = b (default 0). Makes a nearly singular H invertible, at a bias. */
  damping?: number;
  /** CG: stop when ||(H + δI) x - b|| <= tol ||b|| (default 1e-10). */
  tol?: number;
  /** CG: at most this many iterations (default max(100, 2P)). */
  maxIter?: number;
  /** "exact": a Hessian already computed at θ (saves recomputing it for several right-hand sides). */
  hessian?: Tensor;
  lissa?: LissaOptions;
}

/** What `inverseHvp` returns. */
export interface InverseHvpResult {
  /** (H + δI)^{-1} b, like b. */
  x: Tensor;
  method: InverseHvpMethod;
  /** CG or LiSSA iterations (summed over LiSSA repeats); 0 for "exact". */
  iterations: number;
  /** ||(H + δI) x - b|| / ||b||, measured with one exact Hessian-vector product per column. */
  residual: number;
  /** LiSSA's scale s. */
  scale?: number;
  seconds: number;
}

/**
 * Solves (H + δI) x = b for the Hessian H of the problem's objective at θ; b is [P] (or [P, k] for
 * "exact"). See the module notes for the three methods. A Hessian that is not positive definite
 * makes "exact" add a small jitter and CG stop early (reported through `residual`).
 * @example
 * const { x: v } = gn.influence.inverseHvp(problem, theta, gradOfTestLoss, { method: "cg" });
 */
export function inverseHvp(problem: TrainingProblem, theta: Tensor, b: Tensor, opts: InverseHvpOptions = {}): InverseHvpResult {
  const t0 = performance.now();
  const p = problem.model.size;
  const method = opts.method ?? (p <= 2000 ? "exact" : "cg");
  const damping = opts.damping ?? 0;
  if (!(damping >= 0) || !Number.isFinite(damping)) throw new ValueError(`influence.inverseHvp: damping must be a finite number >= 0, got ${damping}`);
  if (b.shape[0] !== p || b.ndim > 2) throw new ValueError(`influence.inverseHvp: b has shape [${b.shape.join(", ")}]; it must be [${p}] or [${p}, k] for a model with ${p} parameters`);
  const bb = ops.cast(b, "float64");
  const apply = (v: Tensor) => {
    const hv = problem.hvp(theta, v);
    return damping > 0 ? ops.add(hv, ops.mul(v, damping)) : hv;
  };
  if (method === "exact") {
    let h = opts.hessian ?? problem.hessian(theta);
    if (damping > 0) h = ops.add(h, ops.mul(ops.eye(p, p, { dtype: "float64" }), damping));
    const x = solveSpd(h, bb, { jitter: true })!;
    const r = ops.sub(bb.ndim === 1 ? ops.reshape(ops.matmul(h, ops.reshape(x, [p, 1])), [p]) : ops.matmul(h, x), bb);
    return { x, method, iterations: 0, residual: norm(r) / Math.max(norm(bb), 1e-300), seconds: secs(t0) };
  }
  if (bb.ndim !== 1) throw new ValueError(`influence.inverseHvp: method "${method}" takes one vector b of shape [${p}]; call it once per column`);
  if (method === "cg") {
    const { x, iterations } = conjugateGradient(apply, bb, opts.tol ?? 1e-10, opts.maxIter ?? Math.max(100, 2 * p));
    return { x, method, iterations, residual: norm(ops.sub(apply(x), bb)) / Math.max(norm(bb), 1e-300), seconds: secs(t0) };
  }
  if (method === "lissa") {
    const o = opts.lissa ?? {};
    const key = o.key ?? random.key(0);
    const depth = o.depth ?? 500;
    const repeats = o.repeats ?? 1;
    const batch = o.batchSize ?? problem.n;
    if (!Number.isInteger(depth) || depth < 1) throw new ValueError(`influence.inverseHvp: lissa.depth must be an integer >= 1, got ${depth}`);
    if (!Number.isInteger(repeats) || repeats < 1) throw new ValueError(`influence.inverseHvp: lissa.repeats must be an integer >= 1, got ${repeats}`);
    if (!Number.isInteger(batch) || batch < 1 || batch > problem.n) throw new ValueError(`influence.inverseHvp: lissa.batchSize must be an integer in [1, ${problem.n}], got ${batch}`);
    const scale = o.scale ?? 1.5 * largestEigenvalue(apply, p, random.foldIn(key, 1 << 30), 30);
    if (!(scale > 0) || !Number.isFinite(scale)) throw new ValueError(`influence.inverseHvp: lissa.scale must be a positive finite number, got ${scale}`);
    let sum: Tensor | null = null;
    for (let r = 0; r < repeats; r++) {
      let x = ops.div(bb, scale);
      for (let j = 0; j < depth; j++) {
        let hv: Tensor;
        if (batch === problem.n) hv = apply(x);
        else {
          const rows = random.permutation(random.foldIn(random.foldIn(key, r), j), problem.n).slice(0, batch);
          hv = problem.hvp(theta, x, rows);
          if (damping > 0) hv = ops.add(hv, ops.mul(x, damping));
        }
        x = ops.add(x, ops.div(ops.sub(bb, hv), scale));
      }
      sum = sum ? ops.add(sum, x) : x;
    }
    const x = ops.div(sum!, repeats);
    return { x, method, iterations: depth * repeats, residual: norm(ops.sub(apply(x), bb)) / Math.max(norm(bb), 1e-300), scale, seconds: secs(t0) };
  }
  throw new ValueError(`influence.inverseHvp: unknown method ${JSON.stringify(method)}; use "exact", "cg" or "lissa"`);
}

/**
 * Conjugate gradients for A x = b with a symmetric positive definite operator A given as a function.
 * Stops when ||r|| <= tol ||b||, after maxIter iterations, or when a direction has p·Ap <= 0 (A is
 * not positive definite along it; the iterate so far is returned).
 * @example
 * const a = gn.tensor([[4, 1], [1, 3]], { dtype: "float64" });
 * gn.influence.conjugateGradient((v) => gn.matmul(a, v.reshape([2, 1])).reshape([2]), gn.tensor([1, 2], { dtype: "float64" })).x // [1/11, 7/11]
 */
export function conjugateGradient(apply: (v: Tensor) => Tensor, b: Tensor, tol = 1e-10, maxIter = 1000): { x: Tensor; iterations: number } {
  let x = ops.zerosLike(b);
  let r = b;
  let p = r;
  let rr = ops.dot(r, r).item();
  const stop = tol * tol * rr;
  let it = 0;
  while (it < maxIter && rr > stop && rr > 0) {
    const ap = apply(p);
    const pap = ops.dot(p, ap).item();
    if (!(pap > 0)) break;
    const alpha = rr / pap;
    x = ops.add(x, ops.mul(p, alpha));
    r = ops.sub(r, ops.mul(ap, alpha));
    const rrNew = ops.dot(r, r).item();
    p = ops.add(r, ops.mul(p, rrNew / rr));
    rr = rrNew;
    it++;
  }
  return { x, iterations: it };
}

/**
 * Power iteration for the largest eigenvalue of a symmetric positive semidefinite operator.
 * @example gn.influence.largestEigenvalue((v) => problem.hvp(theta, v), problem.model.size, gn.random.key(0))
 */
export function largestEigenvalue(apply: (v: Tensor) => Tensor, size: number, key: random.Key, iterations = 30): number {
  let v = random.normal(key, [size], { dtype: "float64" });
  v = ops.div(v, norm(v));
  let lambda = 0;
  for (let i = 0; i < iterations; i++) {
    const w = apply(v);
    lambda = ops.dot(v, w).item();
    const nw = norm(w);
    if (!(nw > 0)) return 0;
    v = ops.div(w, nw);
  }
  return lambda;
}

function norm(t: Tensor): number {
  const v = t.toTypedArray();
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function secs(t0: number): number {
  return (performance.now() - t0) / 1000;
}
