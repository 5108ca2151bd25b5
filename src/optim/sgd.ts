/**
 * Stochastic gradient descent with optional momentum (heavy ball or Nesterov), dampening and L2 weight
 * decay, following PyTorch's torch.optim.SGD update rule step for step (see docs/optimizers.md).
 */
import type { Tensor } from "../core/tensor.js";
import { ValueError } from "../core/errors.js";
import { zerosLike } from "../ops/creation.js";
import { treeMap } from "../core/tree.js";
import { type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import { type GradientTransformation, Temporaries, mapLeaves, needParams } from "./transform.js";

/** The numbers one SGD step uses. */
export interface SgdStepConstants {
  /** The factor the direction is multiplied by: -lr (or 1 for the lr-free `scaleByMomentum`). */
  stepScale: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** The first step: the velocity starts as the gradient itself (PyTorch's rule). */
  first: boolean;
}

/**
 * The per-leaf SGD update in PyTorch's order of operations: d = g + wd p; v = d on the first step,
 * else momentum v + (1 - dampening) d; the direction is d + momentum v (Nesterov) or v; the update is
 * stepScale times the direction. One function, so that a backend can replace it with a fused kernel.
 * @example const [u, v] = gn.optim.sgdLeafUpdate(g, null, v0, { stepScale: -0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, first: false });
 */
export function sgdLeafUpdate(g: Tensor, p: Tensor | null, velocity: Tensor | null, c: SgdStepConstants): [update: Tensor, velocity: Tensor | null] {
  const T = new Temporaries();
  let d = c.weightDecay !== 0 ? T.t(g.add(T.t(p!.mul(c.weightDecay)))) : g;
  let v: Tensor | null = velocity;
  if (velocity !== null && c.momentum !== 0) {
    v = c.first ? d : T.t(velocity.mul(c.momentum)).add(T.t(d.mul(1 - c.dampening)));
    d = c.nesterov ? T.t(d.add(T.t(v.mul(c.momentum)))) : v;
  }
  const u = d.mul(c.stepScale);
  T.free(v);
  return [u, v];
}

export interface SgdOptions {
  /** Learning rate (default 0.01). */
  lr?: HyperValue;
  /** Momentum factor (default 0: plain gradient descent). */
  momentum?: HyperValue;
  /** Dampening of the gradient's contribution to the velocity (default 0). */
  dampening?: HyperValue;
  /** Nesterov momentum (needs momentum > 0 and dampening 0, as in PyTorch). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient: g + weightDecay · p (default 0). */
  weightDecay?: HyperValue;
}

/** SGD's state: the step count, the velocity (a tree like the params; null without momentum) and the hyperparameters. */
export interface SgdState {
  count: number;
  velocity: any;
  hyper: { lr?: HyperValue; momentum: HyperValue; dampening: HyperValue; weightDecay: HyperValue };
}

function makeSgd(name: string, o: SgdOptions, withLr: boolean): GradientTransformation<SgdState> {
  const hyper = checkHyper(name, { lr: o.lr ?? 0.01, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0, weightDecay: o.weightDecay ?? 0 }, {
    lr: [(v) => v >= 0, "a number >= 0"],
    momentum: [(v) => v >= 0, "a number >= 0"],
    weightDecay: [(v) => v >= 0, "a number >= 0"],
  });
  if (!withLr) delete (hyper as { lr?: HyperValue }).lr;
  const nesterov = !!o.nesterov;
  if (nesterov && (hyper.momentum === 0 || (typeof hyper.dampening === "number" && hyper.dampening !== 0)))
    throw new ValueError(`${name}: nesterov needs momentum > 0 and dampening 0 (got momentum ${JSON.stringify(hyper.momentum)}, dampening ${JSON.stringify(hyper.dampening)})`);
  return {
    name,
    init: (params) => ({ count: 0, velocity: hyper.momentum === 0 ? null : treeMap((p) => zerosLike(p), params), hyper }),
    update(grads, state, params) {
      const h = hyperValues(name, state.hyper, state.count);
      if (h.weightDecay !== 0) needParams(name, params);
      if (h.momentum !== 0 && state.velocity === null)
        throw new ValueError(`${name}: momentum is ${h.momentum} but the state has no velocity (it was made with momentum 0); make a new state with init`);
      const c: SgdStepConstants = { stepScale: withLr ? -h.lr! : 1, momentum: h.momentum, dampening: h.dampening, weightDecay: h.weightDecay, nesterov, first: state.count === 0 };
      const [updates, velocity] = mapLeaves(grads, [grads, h.weightDecay !== 0 ? params : null, state.velocity], 2, (g, p, v) => {
        const [u, nv] = sgdLeafUpdate(g, p, v, c);
        return [u, nv ?? g];
      });
      return { updates, state: { ...state, count: state.count + 1, velocity: state.velocity === null ? null : velocity }, info: withLr ? { lr: h.lr } : {} };
    },
  };
}

/**
 * Stochastic gradient descent, matching PyTorch's torch.optim.SGD step for step (momentum, dampening,
 * nesterov, weightDecay). Hyperparameters are in `state.hyper`.
 * NaN or infinity in a gradient flows into the update (wrap in `skipIfNotFinite` to skip such steps).
 * @example
 * const opt = gn.optim.sgd({ lr: 0.1, momentum: 0.9, nesterov: true });
 */
export function sgd(o: SgdOptions = {}): GradientTransformation<SgdState> {
  return makeSgd("sgd", o, true);
}

/**
 * Heavy-ball or Nesterov momentum without a learning rate: the output is the direction (positive, like
 * the gradient); follow it with `scaleByLearningRate`. Its `hyper` has no lr.
 * @example gn.optim.chain({ momentum: gn.optim.scaleByMomentum({ momentum: 0.9 }), lr: gn.optim.scaleByLearningRate(0.1) })
 */
export function scaleByMomentum(o: Omit<SgdOptions, "lr"> = {}): GradientTransformation<SgdState> {
  return makeSgd("scaleByMomentum", { momentum: 0.9, ...o, lr: 0 }, false);
}
