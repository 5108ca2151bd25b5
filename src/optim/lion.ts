/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an
 * interpolation between momentum and gradient, with decoupled weight decay.
 */
import type { Tensor } from "../core/tensor.js";
import { zerosLike } from "../ops/creation.js";
import { treeMap } from "../core/tree.js";
import { type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import { type GradientTransformation, Temporaries, mapLeaves, needParams } from "./transform.js";

/**
 * The per-leaf Lion update: c = b1 m + (1 - b1) g; update = -lr (sign(c) + wd p);
 * m = b2 m + (1 - b2) g. A zero interpolant gives a zero step (sign(0) = 0); NaN gives NaN.
 * @example const [u, m] = gn.optim.lionLeafUpdate(g, null, m0, { lr: 1e-4, b1: 0.9, b2: 0.99, weightDecay: 0 });
 */
export function lionLeafUpdate(g: Tensor, p: Tensor | null, m: Tensor, c: { lr: number; b1: number; b2: number; weightDecay: number }): [update: Tensor, m: Tensor] {
  const T = new Temporaries();
  let d = T.t(T.t(T.t(m.mul(c.b1)).add(T.t(g.mul(1 - c.b1)))).sign());
  if (c.weightDecay !== 0) d = T.t(d.add(T.t(p!.mul(c.weightDecay))));
  const u = d.mul(-c.lr);
  const m1 = T.t(m.mul(c.b2)).add(T.t(g.mul(1 - c.b2)));
  T.free();
  return [u, m1];
}

export interface LionOptions {
  /** Learning rate (default 1e-4: Lion's steps have size lr in every coordinate, so use 3-10x less than Adam's). */
  lr?: HyperValue;
  /** Interpolation for the update's sign (default 0.9). */
  b1?: HyperValue;
  /** Momentum decay (default 0.99). */
  b2?: HyperValue;
  /** Decoupled weight decay (default 0). */
  weightDecay?: HyperValue;
}

/** Lion's state: step count, momentum mu (a tree like params), hyperparameters. */
export interface LionState {
  count: number;
  mu: any;
  hyper: { lr: HyperValue; b1: HyperValue; b2: HyperValue; weightDecay: HyperValue };
}

/**
 * The Lion optimizer.
 * @example gn.optim.lion({ lr: 3e-4, weightDecay: 0.1 })
 */
export function lion(o: LionOptions = {}): GradientTransformation<LionState> {
  const hyper = checkHyper("lion", { lr: o.lr ?? 1e-4, b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.99, weightDecay: o.weightDecay ?? 0 }, {
    lr: [(v) => v >= 0, "a number >= 0"],
    b1: [(v) => v >= 0 && v <= 1, "in [0, 1]"],
    b2: [(v) => v >= 0 && v <= 1, "in [0, 1]"],
    weightDecay: [(v) => v >= 0, "a number >= 0"],
  });
  return {
    name: "lion",
    init: (params) => ({ count: 0, mu: treeMap((p) => zerosLike(p), params), hyper }),
    update(grads, state, params) {
      const h = hyperValues("lion", state.hyper, state.count);
      if (h.weightDecay !== 0) needParams("lion", params);
      const [updates, mu] = mapLeaves(grads, [grads, h.weightDecay !== 0 ? params : null, state.mu], 2, (g, p, m) => lionLeafUpdate(g, p, m, h));
      return { updates, state: { ...state, count: state.count + 1, mu }, info: { lr: h.lr } };
    },
  };
}
