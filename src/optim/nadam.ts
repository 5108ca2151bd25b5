/**
 * NAdam: Adam with Nesterov momentum (Dozat), with the momentum-decay schedule of PyTorch's
 * torch.optim.NAdam, whose update it follows step for step.
 */
import type { Tensor } from "../core/tensor.js";
import { zerosLike } from "../ops/creation.js";
import { treeMap } from "../core/tree.js";
import { type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import { type GradientTransformation, Temporaries, mapLeaves, needParams } from "./transform.js";

/** The numbers one NAdam step uses. */
export interface NadamStepConstants {
  b1: number;
  b2: number;
  eps: number;
  weightDecay: number;
  /** 1 - b2^t. */
  bc2: number;
  /** The coefficient of g / denom: -lr (1 - mu_t) / (1 - prod mu). */
  gradScale: number;
  /** The coefficient of m / denom: -lr mu_{t+1} / (1 - prod mu · mu_{t+1}). */
  momentumScale: number;
}

/**
 * The per-leaf NAdam update: g += wd p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g²;
 * denom = sqrt(v / (1 - b2^t)) + eps; update = gradScale · g / denom + momentumScale · m / denom.
 * @example const [u, m, v] = gn.optim.nadamLeafUpdate(g, null, m0, v0, constants);
 */
export function nadamLeafUpdate(g: Tensor, p: Tensor | null, m: Tensor, v: Tensor, c: NadamStepConstants): [update: Tensor, m: Tensor, v: Tensor] {
  const T = new Temporaries();
  const gg = c.weightDecay !== 0 ? T.t(g.add(T.t(p!.mul(c.weightDecay)))) : g;
  const m1 = T.t(m.mul(c.b1)).add(T.t(gg.mul(1 - c.b1)));
  const v1 = T.t(v.mul(c.b2)).add(T.t(T.t(gg.mul(gg)).mul(1 - c.b2)));
  const denom = T.t(T.t(T.t(v1.div(c.bc2)).sqrt()).add(c.eps));
  const u = T.t(T.t(gg.div(denom)).mul(c.gradScale)).add(T.t(T.t(m1.div(denom)).mul(c.momentumScale)));
  T.free();
  return [u, m1, v1];
}

export interface NadamOptions {
  /** Learning rate (default 2e-3, as PyTorch). */
  lr?: HyperValue;
  b1?: HyperValue;
  b2?: HyperValue;
  eps?: HyperValue;
  /** L2 added to the gradient (default 0). */
  weightDecay?: HyperValue;
  /** ψ in mu_t = b1 (1 - ½ 0.96^(t ψ)) (default 4e-3). */
  momentumDecay?: HyperValue;
}

/** NAdam's state: step count, moments, the running product of the momentum coefficients, hyperparameters. */
export interface NadamState {
  count: number;
  mu: any;
  nu: any;
  muProduct: number;
  hyper: { lr: HyperValue; b1: HyperValue; b2: HyperValue; eps: HyperValue; weightDecay: HyperValue; momentumDecay: HyperValue };
}

/**
 * NAdam, matching PyTorch's torch.optim.NAdam step for step (PyTorch 1.13 keeps the running product of
 * the momentum coefficients in float32; this one keeps it in float64, so the two agree to about 1e-7
 * relative).
 * @example gn.optim.nadam({ lr: 2e-3 })
 */
export function nadam(o: NadamOptions = {}): GradientTransformation<NadamState> {
  const hyper = checkHyper("nadam", { lr: o.lr ?? 2e-3, b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.999, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, momentumDecay: o.momentumDecay ?? 4e-3 }, {
    lr: [(v) => v >= 0, "a number >= 0"],
    b1: [(v) => v >= 0 && v < 1, "in [0, 1)"],
    b2: [(v) => v >= 0 && v < 1, "in [0, 1)"],
    eps: [(v) => v >= 0, "a number >= 0"],
    weightDecay: [(v) => v >= 0, "a number >= 0"],
    momentumDecay: [(v) => v >= 0, "a number >= 0"],
  });
  return {
    name: "nadam",
    init(params) {
      const zeros = () => treeMap((p) => zerosLike(p), params);
      return { count: 0, mu: zeros(), nu: zeros(), muProduct: 1, hyper };
    },
    update(grads, state, params) {
      const h = hyperValues("nadam", state.hyper, state.count);
      if (h.weightDecay !== 0) needParams("nadam", params);
      const t = state.count + 1;
      const muT = h.b1 * (1 - 0.5 * Math.pow(0.96, t * h.momentumDecay));
      const muNext = h.b1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * h.momentumDecay));
      const muProduct = state.muProduct * muT;
      const c: NadamStepConstants = {
        b1: h.b1,
        b2: h.b2,
        eps: h.eps,
        weightDecay: h.weightDecay,
        bc2: 1 - Math.pow(h.b2, t),
        gradScale: (-h.lr * (1 - muT)) / (1 - muProduct),
        momentumScale: (-h.lr * muNext) / (1 - muProduct * muNext),
      };
      const [updates, mu, nu] = mapLeaves(grads, [grads, h.weightDecay !== 0 ? params : null, state.mu, state.nu], 3, (g, p, m, v) => nadamLeafUpdate(g, p, m, v, c));
      return { updates, state: { ...state, count: t, mu, nu, muProduct }, info: { lr: h.lr } };
    },
  };
}
