/**
 * Classic optimization test functions, as gradnav functions of a parameter vector (or tree), with a
 * standard starting point, the known minimizers and minimum, and a box for plotting. Used by the
 * tests, the docs and the benchmarks. Each works in float32 or float64 (the parameters' dtype).
 */
import type { DType } from "../core/dtype.js";
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { tensor, scalar } from "../ops/creation.js";
import { cos, exp, softplus, sqrt } from "../ops/elementwise.js";
import { matmul } from "../ops/linalg.js";
import * as random from "../random/index.js";

/** A test function: the loss, a starting point, and what is known about its minimum. */
export interface TestFunction<P = Tensor> {
  readonly name: string;
  /** The loss, a scalar tensor. */
  readonly f: (x: P) => Tensor;
  /** The usual starting point, as parameters of the given dtype (default float64). */
  init(dtype?: DType): P;
  /** The number of parameters. */
  readonly dim: number;
  /** The global minimum value (null when not known in closed form). */
  readonly fMin: number | null;
  /** The global minimizers (empty when not known in closed form). */
  readonly minimizers: number[][];
  /** A box [lo, hi] per coordinate that shows the landscape around the minimum and the start. */
  readonly bounds: [number, number][];
}

function checkVector(name: string, x: Tensor, dim: number | null): void {
  if (x.ndim !== 1 || (dim !== null && x.shape[0] !== dim))
    throw new ShapeError(`${name}: expects a vector of ${dim ?? "n"} parameters, got shape ${fmtShape(x.shape)}`);
}

function at(x: Tensor, i: number): Tensor {
  return x.slice([i], [i + 1]);
}

function vectorFunction(name: string, dim: number, x0: number[], f: (x: Tensor) => Tensor, fMin: number, minimizers: number[][], bounds: [number, number][], fixedDim = true): TestFunction {
  return {
    name,
    dim,
    fMin,
    minimizers,
    bounds,
    f: (x) => {
      checkVector(name, x, fixedDim ? dim : null);
      return f(x);
    },
    init: (dtype = "float64") => tensor(x0, { dtype }),
  };
}

function checkDim(name: string, n: number, min: number): number {
  if (!Number.isInteger(n) || n < min) throw new ValueError(`${name}: the dimension must be an integer >= ${min}, got ${n}`);
  return n;
}

/**
 * f(x) = ½ Σ λ_i (Qx)_i² with eigenvalues λ log-spaced from 1 to `condition`, so the Hessian's
 * condition number is `condition`. With `rotate` (default false), Q is a fixed Householder reflection
 * that mixes all coordinates (so per-coordinate methods lose their advantage); otherwise Q = I.
 * Minimum 0 at the origin; starts at (1.1, -0.9, 1.1, -0.9, ...).
 * @example const q = gn.optim.testFunctions.quadratic({ dim: 2, condition: 10 }); q.f(q.init())
 */
export function quadratic(o: { dim?: number; condition?: number; rotate?: boolean } = {}): TestFunction {
  const dim = checkDim("quadratic", o.dim ?? 2, 1);
  const condition = o.condition ?? 10;
  if (!(condition >= 1) || !Number.isFinite(condition)) throw new ValueError(`quadratic: condition must be a finite number >= 1, got ${condition}`);
  const lambdas = Array.from({ length: dim }, (_, i) => (dim === 1 ? 1 : Math.pow(condition, i / (dim - 1))));
  // Householder reflection I - 2 v vᵀ / vᵀv with v = (1, 2, ..., n): orthogonal, fixed, mixes every coordinate.
  const v = Array.from({ length: dim }, (_, i) => i + 1);
  const vv = v.reduce((s, a) => s + a * a, 0);
  const q = v.map((a, i) => v.map((b, j) => (i === j ? 1 : 0) - (2 * a * b) / vv));
  const cache = new Map<DType, [Tensor, Tensor]>();
  const consts = (dtype: DType): [Tensor, Tensor] => {
    let c = cache.get(dtype);
    if (!c) cache.set(dtype, (c = [tensor(lambdas, { dtype }), tensor(q, { dtype })]));
    return c;
  };
  const name = `quadratic(dim ${dim}, condition ${condition}${o.rotate ? ", rotated" : ""})`;
  const x0 = Array.from({ length: dim }, (_, i) => (i % 2 === 0 ? 1.1 : -0.9));
  return vectorFunction(name, dim, x0, (x) => {
    const [lam, Q] = consts(x.dtype);
    const z = o.rotate ? matmul(Q, x) : x;
    return z.square().mul(lam).sum().mul(0.5);
  }, 0, [new Array(dim).fill(0)], new Array(dim).fill([-1.5, 1.5]));
}

/**
 * Rosenbrock's banana in n dimensions: Σ 100 (x_{i+1} - x_i²)² + (1 - x_i)². Minimum 0 at (1, ..., 1);
 * starts at (-1.2, 1, -1.2, 1, ...).
 * @example const r = gn.optim.testFunctions.rosenbrock(); r.f(r.init()) // 24.2
 */
export function rosenbrock(dim = 2): TestFunction {
  checkDim("rosenbrock", dim, 2);
  const x0 = Array.from({ length: dim }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
  return vectorFunction(`rosenbrock(dim ${dim})`, dim, x0, (x) => {
    const head = x.slice([0], [dim - 1]);
    const tail = x.slice([1], [dim]);
    return tail.sub(head.square()).square().mul(100).add(head.neg().add(1).square()).sum();
  }, 0, [new Array(dim).fill(1)], dim === 2 ? [[-2, 2], [-1, 3]] : new Array(dim).fill([-2, 2]));
}

/**
 * Beale's function: (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)². Minimum 0 at (3, 0.5);
 * starts at (1, 1). Flat plateaus and steep ridges.
 * @example gn.optim.testFunctions.beale().f(gn.tensor([3, 0.5])) // 0
 */
export function beale(): TestFunction {
  return vectorFunction("beale", 2, [1, 1], (v) => {
    const x = at(v, 0);
    const y = at(v, 1);
    const xy = x.mul(y);
    const t1 = xy.sub(x).add(1.5);
    const t2 = xy.mul(y).sub(x).add(2.25);
    const t3 = xy.mul(y).mul(y).sub(x).add(2.625);
    return t1.square().add(t2.square()).add(t3.square()).sum();
  }, 0, [[3, 0.5]], [[-4.5, 4.5], [-4.5, 4.5]]);
}

/**
 * Himmelblau's function: (x² + y - 11)² + (x + y² - 7)². Four minima, all 0: (3, 2),
 * (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126). Starts at (0, 0).
 * @example gn.optim.testFunctions.himmelblau().f(gn.tensor([3, 2])) // 0
 */
export function himmelblau(): TestFunction {
  return vectorFunction("himmelblau", 2, [0, 0], (v) => {
    const x = at(v, 0);
    const y = at(v, 1);
    return x.square().add(y).sub(11).square().add(x.add(y.square()).sub(7).square()).sum();
  }, 0, [[3, 2], [-2.805118086952745, 3.131312518250573], [-3.779310253377747, -3.283185991286170], [3.584428340330492, -1.848126526964404]], [[-5, 5], [-5, 5]]);
}

/**
 * Booth's function: (x + 2y - 7)² + (2x + y - 5)², a quadratic. Minimum 0 at (1, 3); starts at (0, 0).
 * @example gn.optim.testFunctions.booth().f(gn.tensor([1, 3])) // 0
 */
export function booth(): TestFunction {
  return vectorFunction("booth", 2, [0, 0], (v) => {
    const x = at(v, 0);
    const y = at(v, 1);
    return x.add(y.mul(2)).sub(7).square().add(x.mul(2).add(y).sub(5).square()).sum();
  }, 0, [[1, 3]], [[-10, 10], [-10, 10]]);
}

/**
 * Rastrigin's function: 10n + Σ (x_i² - 10 cos 2πx_i), with a local minimum near every integer point.
 * Global minimum 0 at the origin. Starts at (0.3, -0.2, 0.3, ...), inside the global minimum's basin;
 * from farther away local methods stop at a local minimum, which is what the function is for.
 * @example gn.optim.testFunctions.rastrigin().f(gn.zeros([2])) // 0
 */
export function rastrigin(dim = 2): TestFunction {
  checkDim("rastrigin", dim, 1);
  const x0 = Array.from({ length: dim }, (_, i) => (i % 2 === 0 ? 0.3 : -0.2));
  return vectorFunction(`rastrigin(dim ${dim})`, dim, x0, (x) => x.square().sub(cos(x.mul(2 * Math.PI)).mul(10)).sum().add(10 * dim), 0, [new Array(dim).fill(0)], new Array(dim).fill([-5.12, 5.12]));
}

/**
 * Ackley's function: -20 exp(-0.2 sqrt(mean x²)) - exp(mean cos 2πx) + 20 + e. Global minimum 0 at
 * the origin, where it is not differentiable (the gradient there is NaN: sqrt's derivative at 0);
 * many shallow local minima. Starts at (0.3, -0.2, ...).
 * @example gn.optim.testFunctions.ackley().f(gn.tensor([1, 1]))
 */
export function ackley(dim = 2): TestFunction {
  checkDim("ackley", dim, 1);
  const x0 = Array.from({ length: dim }, (_, i) => (i % 2 === 0 ? 0.3 : -0.2));
  return vectorFunction(`ackley(dim ${dim})`, dim, x0, (x) => {
    const r = sqrt(x.square().mean());
    const c = cos(x.mul(2 * Math.PI)).mean();
    return exp(r.mul(-0.2)).mul(-20).sub(exp(c)).add(20 + Math.E);
  }, 0, [new Array(dim).fill(0)], new Array(dim).fill([-5, 5]));
}

/** Parameters of the logistic-regression test function. */
export interface LogisticParams {
  w: Tensor;
  b: Tensor;
}

/**
 * L2-regularised logistic regression on a fixed synthetic data set: mean log(1 + exp(-y (Xw + b)))
 * + ½ l2 ‖w‖², with X ~ N(0, 1) of shape [n, d], labels y = ±1 from a random true w with 10% of them
 * flipped. Strictly convex for l2 > 0; its minimum has no closed form (fMin null). The parameters are
 * a tree { w: [d], b: [] } starting at zero.
 * @example const lr = gn.optim.testFunctions.logisticRegression({ n: 100, d: 5 }); lr.f(lr.init())  // log 2
 */
export function logisticRegression(o: { n?: number; d?: number; l2?: number; seed?: number } = {}): TestFunction<LogisticParams> {
  const n = checkDim("logisticRegression", o.n ?? 200, 1);
  const d = checkDim("logisticRegression", o.d ?? 5, 1);
  const l2 = o.l2 ?? 1e-2;
  if (!(l2 >= 0)) throw new ValueError(`logisticRegression: l2 must be >= 0, got ${l2}`);
  const [kx, kw, kf] = random.split(random.key(o.seed ?? 0), 3);
  const X = random.normal(kx, [n, d], { dtype: "float64" });
  const wTrue = random.normal(kw, [d], { dtype: "float64" });
  const flips = random.uniform(kf, [n], { dtype: "float64" }).toTypedArray();
  const scores = matmul(X, wTrue).toTypedArray();
  const y = tensor(Array.from(scores, (s, i) => (s >= 0 ? 1 : -1) * (flips[i] < 0.1 ? -1 : 1)), { dtype: "float64" });
  const cache = new Map<DType, [Tensor, Tensor]>();
  const data = (dtype: DType): [Tensor, Tensor] => {
    let c = cache.get(dtype);
    if (!c) cache.set(dtype, (c = dtype === "float64" ? [X, y] : [X.astype(dtype), y.astype(dtype)]));
    return c;
  };
  return {
    name: `logisticRegression(n ${n}, d ${d}, l2 ${l2})`,
    dim: d + 1,
    fMin: null,
    minimizers: [],
    bounds: new Array(d + 1).fill([-3, 3]),
    f: ({ w, b }) => {
      checkVector("logisticRegression (w)", w, d);
      const [Xd, yd] = data(w.dtype);
      const margin = matmul(Xd, w).add(b).mul(yd);
      return softplus(margin.neg()).mean().add(w.square().sum().mul(0.5 * l2));
    },
    init: (dtype = "float64") => ({ w: tensor(new Array(d).fill(0), { dtype }), b: scalar(0, dtype) }),
  };
}
