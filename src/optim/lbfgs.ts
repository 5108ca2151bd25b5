/**
 * L-BFGS: a quasi-Newton direction from the last `memory` curvature pairs (s = x_{k+1} - x_k,
 * y = g_{k+1} - g_k) by the two-loop recursion (Nocedal & Wright, Algorithm 7.4), with the initial
 * Hessian approximation gamma·I, gamma = s·y / y·y of the newest pair. `scaleByLbfgs` gives the
 * direction; `lbfgs` chains it with a line search, which chooses the step length.
 */
import { treeMap } from "../core/tree.js";
import { ValueError } from "../core/errors.js";
import { type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import { type BacktrackingOptions, type StrongWolfeOptions, backtrackingLineSearch, strongWolfeLineSearch } from "./linesearch.js";
import { type CurvaturePair, type GradientTransformation, chain, needParams } from "./transform.js";
import { globalNorm, treeAddScaled, treeScale, treeSub, treeVdot } from "./treemath.js";

/** L-BFGS's state: the stored pairs (trees like params, oldest first) with their summaries, and the previous params and gradients (null before the first step). */
export interface LbfgsState {
  count: number;
  s: any[];
  y: any[];
  pairs: CurvaturePair[];
  prevParams: any;
  prevGrads: any;
  hyper: { memory: HyperValue };
}

/**
 * The two-loop recursion: H·g for the inverse-Hessian approximation H built from the pairs (oldest
 * first) with initial scale gamma. Exported for tests and for a future fused version.
 * @example const hg = gn.optim.lbfgsTwoLoop(g, [s1, s2], [y1, y2], [1 / sy1, 1 / sy2], sy2 / yy2);
 */
export function lbfgsTwoLoop(g: unknown, s: readonly unknown[], y: readonly unknown[], rho: readonly number[], gamma: number): unknown {
  const m = s.length;
  const a = new Array<number>(m);
  let q = g;
  for (let i = m - 1; i >= 0; i--) {
    a[i] = rho[i] * treeVdot(s[i], q);
    q = treeAddScaled(q, y[i], -a[i]);
  }
  let r = treeScale(q, gamma);
  for (let i = 0; i < m; i++) {
    const b = rho[i] * treeVdot(y[i], r);
    r = treeAddScaled(r, s[i], a[i] - b);
  }
  return r;
}

/**
 * The L-BFGS direction -H·g (to be scaled by a line search). Each update first forms the pair from the
 * previous call's params and gradients and keeps it if s·y > eps·y·y (eps = 2.2e-16, as L-BFGS-B),
 * which keeps H positive definite. With no pairs the direction is -g/‖g‖ (a first trial step of unit
 * length, as L-BFGS-B takes). If the direction is not a descent direction, the memory is cleared.
 * @example gn.optim.chain({ lbfgs: gn.optim.scaleByLbfgs({ memory: 10 }), lineSearch: gn.optim.strongWolfeLineSearch() })
 */
export function scaleByLbfgs(o: { memory?: number } = {}): GradientTransformation<LbfgsState> {
  const hyper = checkHyper("scaleByLbfgs", { memory: o.memory ?? 10 }, { memory: [(v) => Number.isInteger(v) && v >= 1, "an integer >= 1"] });
  return {
    name: "scaleByLbfgs",
    init: () => ({ count: 0, s: [], y: [], pairs: [], prevParams: null, prevGrads: null, hyper }),
    update(grads, state, params) {
      needParams("scaleByLbfgs", params);
      const h = hyperValues("scaleByLbfgs", state.hyper, state.count);
      let s = state.s;
      let y = state.y;
      let pairs = state.pairs;
      let pairAccepted: boolean | null = null;
      if (state.prevParams !== null) {
        const sk = treeSub(params, state.prevParams);
        const yk = treeSub(grads, state.prevGrads);
        const sy = treeVdot(sk, yk);
        const yy = treeVdot(yk, yk);
        pairAccepted = sy > 2.220446049250313e-16 * yy && Number.isFinite(sy) && yy > 0;
        if (pairAccepted) {
          const keep = Math.max(0, s.length + 1 - h.memory);
          s = [...s.slice(keep), sk];
          y = [...y.slice(keep), yk];
          pairs = [...pairs.slice(keep), { step: state.count - 1, sy, yy }];
        }
      }
      const gnorm = globalNorm(grads);
      let reset = false;
      let gamma: number;
      let direction: unknown;
      const steepest = () => {
        gamma = gnorm > 0 ? 1 / gnorm : 1;
        return treeMap((g) => g.mul(-gamma), grads);
      };
      if (pairs.length === 0) direction = steepest();
      else {
        const last = pairs[pairs.length - 1];
        gamma = last.sy / last.yy;
        direction = treeScale(lbfgsTwoLoop(grads, s, y, pairs.map((p) => 1 / p.sy), gamma), -1);
        if (!(treeVdot(direction, grads) < 0)) {
          reset = true;
          s = [];
          y = [];
          pairs = [];
          direction = steepest();
        }
      }
      return {
        updates: direction,
        state: { ...state, count: state.count + 1, s, y, pairs, prevParams: params, prevGrads: grads },
        info: { lbfgs: { pairsUsed: pairs, pairAccepted, gamma: gamma!, reset } },
      };
    },
  };
}

export interface LbfgsOptions {
  /** How many curvature pairs to keep (default 10). */
  memory?: number;
  /** "strongWolfe" (default: zoom, loss and gradient at each trial) or "backtracking" (Armijo, loss only). */
  lineSearch?: "strongWolfe" | "backtracking";
  /** Options for the line search. */
  lineSearchOptions?: StrongWolfeOptions & BacktrackingOptions;
}

/**
 * L-BFGS with a line search: chain({ lbfgs: scaleByLbfgs, lineSearch: ... }). Needs the loss function
 * in extras (as `minimize` passes it). On 2-D Rosenbrock from (-1.2, 1) in float64 it reaches
 * ‖∇f‖ < 1e-8 in about as many evaluations as SciPy's L-BFGS-B (docs/optimizers.md has the figures).
 * @example
 * const { params } = gn.optim.minimizeSync(f, x0, { optimizer: gn.optim.lbfgs(), tolerance: 1e-8 });
 */
export function lbfgs(o: LbfgsOptions = {}) {
  const kind = o.lineSearch ?? "strongWolfe";
  if (kind !== "strongWolfe" && kind !== "backtracking") throw new ValueError(`lbfgs: lineSearch must be "strongWolfe" or "backtracking", got ${JSON.stringify(kind)}`);
  const ls = o.lineSearchOptions ?? {};
  return chain({
    lbfgs: scaleByLbfgs({ memory: o.memory }),
    lineSearch: kind === "strongWolfe" ? strongWolfeLineSearch(ls) : backtrackingLineSearch(ls),
  });
}
