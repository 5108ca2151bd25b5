/**
 * Adagrad: per-coordinate steps scaled by the root of the summed squared gradients, matching PyTorch's
 * torch.optim.Adagrad (lrDecay, weightDecay, initialAccumulatorValue, eps).
 */
import type { Tensor } from "../core/tensor.js";
import { fullLike } from "../ops/creation.js";
import { treeMap } from "../core/tree.js";
import { ValueError } from "../core/errors.js";
import { type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import { type GradientTransformation, Temporaries, mapLeaves, needParams } from "./transform.js";

/**
 * The per-leaf Adagrad update: g += wd p; sum += g²; update = stepScale · g / (sqrt(sum) + eps), with
 * stepScale = -lr / (1 + (t - 1) lrDecay). One function, so that a backend can fuse it.
 * @example const [u, sum] = gn.optim.adagradLeafUpdate(g, null, sum0, { stepScale: -0.1, eps: 1e-10, weightDecay: 0 });
 */
export function adagradLeafUpdate(g: Tensor, p: Tensor | null, sum: Tensor, c: { stepScale: number; eps: number; weightDecay: number }): [update: Tensor, sum: Tensor] {
  const T = new Temporaries();
  const gg = c.weightDecay !== 0 ? T.t(g.add(T.t(p!.mul(c.weightDecay)))) : g;
  const s = sum.add(T.t(gg.mul(gg)));
  const u = T.t(gg.div(T.t(T.t(s.sqrt()).add(c.eps)))).mul(c.stepScale);
  T.free();
  return [u, s];
}

export interface AdagradOptions {
  /** Learning rate (default 0.01). */
  lr?: HyperValue;
  /** Learning-rate decay: lr / (1 + (t - 1) lrDecay) (default 0). */
  lrDecay?: HyperValue;
  /** L2 added to the gradient (default 0). */
  weightDecay?: HyperValue;
  /** Added to the denominator (default 1e-10, as PyTorch). */
  eps?: HyperValue;
  /** The starting value of the sum of squares (default 0). */
  initialAccumulatorValue?: number;
}

/** Adagrad's state: the step count, the running sum of squared gradients (a tree like params) and the hyperparameters. */
export interface AdagradState {
  count: number;
  sum: any;
  hyper: { lr?: HyperValue; lrDecay: HyperValue; weightDecay: HyperValue; eps: HyperValue };
}

function makeAdagrad(name: string, o: AdagradOptions, withLr: boolean): GradientTransformation<AdagradState> {
  const hyper = checkHyper(name, { lr: o.lr ?? 0.01, lrDecay: o.lrDecay ?? 0, weightDecay: o.weightDecay ?? 0, eps: o.eps ?? 1e-10 }, {
    lr: [(v) => v >= 0, "a number >= 0"],
    lrDecay: [(v) => v >= 0, "a number >= 0"],
    weightDecay: [(v) => v >= 0, "a number >= 0"],
    eps: [(v) => v >= 0, "a number >= 0"],
  });
  if (!withLr) delete (hyper as { lr?: HyperValue }).lr;
  const init = o.initialAccumulatorValue ?? 0;
  if (!(init >= 0) || !Number.isFinite(init)) throw new ValueError(`${name}: initialAccumulatorValue must be a finite number >= 0, got ${init}`);
  return {
    name,
    init: (params) => ({ count: 0, sum: treeMap((p) => fullLike(p, init), params), hyper }),
    update(grads, state, params) {
      const h = hyperValues(name, state.hyper, state.count);
      if (h.weightDecay !== 0) needParams(name, params);
      const lr = (withLr ? h.lr! : 1) / (1 + state.count * h.lrDecay);
      const c = { stepScale: withLr ? -lr : lr, eps: h.eps, weightDecay: h.weightDecay };
      const [updates, sum] = mapLeaves(grads, [grads, h.weightDecay !== 0 ? params : null, state.sum], 2, (g, p, s) => adagradLeafUpdate(g, p, s, c));
      return { updates, state: { ...state, count: state.count + 1, sum }, info: withLr ? { lr } : {} };
    },
  };
}

/**
 * Adagrad, matching PyTorch's torch.optim.Adagrad step for step.
 * @example gn.optim.adagrad({ lr: 0.1 })
 */
export function adagrad(o: AdagradOptions = {}): GradientTransformation<AdagradState> {
  return makeAdagrad("adagrad", o, true);
}

/**
 * Adagrad's direction g / (sqrt(sum g²) + eps) without a learning rate (positive, like the gradient).
 * @example gn.optim.chain({ adagrad: gn.optim.scaleByAdagrad(), lr: gn.optim.scaleByLearningRate(0.1) })
 */
export function scaleByAdagrad(o: Omit<AdagradOptions, "lr"> = {}): GradientTransformation<AdagradState> {
  return makeAdagrad("scaleByAdagrad", o, false);
}
