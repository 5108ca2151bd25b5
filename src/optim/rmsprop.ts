/**
 * RMSProp, plain and centered, with optional momentum, matching PyTorch's torch.optim.RMSprop.
 */
import type { Tensor } from "../core/tensor.js";
import { zerosLike } from "../ops/creation.js";
import { treeMap } from "../core/tree.js";
import { ValueError } from "../core/errors.js";
import { type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import { type GradientTransformation, Temporaries, mapLeaves, needParams } from "./transform.js";

/** The numbers one RMSProp step uses. */
export interface RmspropStepConstants {
  stepScale: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
}

/**
 * The per-leaf RMSProp update in PyTorch's order: g += wd p; nu = alpha nu + (1 - alpha) g²;
 * centered: gAvg = alpha gAvg + (1 - alpha) g and avg = sqrt(nu - gAvg²) + eps, else sqrt(nu) + eps;
 * with momentum: buf = momentum buf + g / avg and update = stepScale · buf, else stepScale · g / avg.
 * @example const [u, nu] = gn.optim.rmspropLeafUpdate(g, null, nu0, null, null, { stepScale: -0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0 });
 */
export function rmspropLeafUpdate(g: Tensor, p: Tensor | null, nu: Tensor, gAvg: Tensor | null, buf: Tensor | null, c: RmspropStepConstants): [update: Tensor, nu: Tensor, gAvg: Tensor | null, buf: Tensor | null] {
  const T = new Temporaries();
  const gg = c.weightDecay !== 0 ? T.t(g.add(T.t(p!.mul(c.weightDecay)))) : g;
  const nu1 = T.t(nu.mul(c.alpha)).add(T.t(T.t(gg.mul(gg)).mul(1 - c.alpha)));
  let avg: Tensor;
  let gAvg1: Tensor | null = null;
  if (gAvg !== null) {
    gAvg1 = T.t(gAvg.mul(c.alpha)).add(T.t(gg.mul(1 - c.alpha)));
    avg = T.t(T.t(T.t(nu1.sub(T.t(gAvg1.mul(gAvg1)))).sqrt()).add(c.eps));
  } else avg = T.t(T.t(nu1.sqrt()).add(c.eps));
  if (buf !== null && c.momentum > 0) {
    const buf1 = T.t(buf.mul(c.momentum)).add(T.t(gg.div(avg)));
    const u = buf1.mul(c.stepScale);
    T.free();
    return [u, nu1, gAvg1, buf1];
  }
  const u = T.t(gg.div(avg)).mul(c.stepScale);
  T.free();
  return [u, nu1, gAvg1, buf];
}

export interface RmspropOptions {
  /** Learning rate (default 0.01, as PyTorch). */
  lr?: HyperValue;
  /** Decay of the squared-gradient average (default 0.99). */
  alpha?: HyperValue;
  /** Added to the denominator (default 1e-8). */
  eps?: HyperValue;
  /** L2 added to the gradient (default 0). */
  weightDecay?: HyperValue;
  /** Momentum on the scaled gradient (default 0). */
  momentum?: HyperValue;
  /** Divide by the estimated standard deviation instead of the root mean square (default false). */
  centered?: boolean;
}

/** RMSProp's state: step count, the average of g² (nu), the average of g (centered, else null), the momentum buffer (else null), hyperparameters. */
export interface RmspropState {
  count: number;
  nu: any;
  gradAvg: any;
  momentumBuffer: any;
  hyper: { lr?: HyperValue; alpha: HyperValue; eps: HyperValue; weightDecay: HyperValue; momentum: HyperValue };
}

function makeRmsprop(name: string, o: RmspropOptions, withLr: boolean): GradientTransformation<RmspropState> {
  const hyper = checkHyper(name, { lr: o.lr ?? 0.01, alpha: o.alpha ?? 0.99, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, momentum: o.momentum ?? 0 }, {
    lr: [(v) => v >= 0, "a number >= 0"],
    alpha: [(v) => v >= 0 && v <= 1, "in [0, 1]"],
    eps: [(v) => v >= 0, "a number >= 0"],
    weightDecay: [(v) => v >= 0, "a number >= 0"],
    momentum: [(v) => v >= 0, "a number >= 0"],
  });
  if (!withLr) delete (hyper as { lr?: HyperValue }).lr;
  const centered = !!o.centered;
  return {
    name: centered ? `${name}(centered)` : name,
    init(params) {
      const zeros = () => treeMap((p) => zerosLike(p), params);
      return { count: 0, nu: zeros(), gradAvg: centered ? zeros() : null, momentumBuffer: hyper.momentum === 0 ? null : zeros(), hyper };
    },
    update(grads, state, params) {
      const h = hyperValues(name, state.hyper, state.count);
      if (h.weightDecay !== 0) needParams(name, params);
      if (h.momentum > 0 && state.momentumBuffer === null)
        throw new ValueError(`${name}: momentum is ${h.momentum} but the state has no momentum buffer (it was made with momentum 0); make a new state with init`);
      const lr = withLr ? h.lr! : 1;
      const c: RmspropStepConstants = { stepScale: withLr ? -lr : 1, alpha: h.alpha, eps: h.eps, weightDecay: h.weightDecay, momentum: h.momentum };
      const [updates, nu, gradAvg, momentumBuffer] = mapLeaves(grads, [grads, h.weightDecay !== 0 ? params : null, state.nu, state.gradAvg, state.momentumBuffer], 4, (g, p, n, ga, b) => {
        const [u, n1, ga1, b1] = rmspropLeafUpdate(g, p, n, ga, b, c);
        return [u, n1, ga1 ?? n1, b1 ?? n1];
      });
      return {
        updates,
        state: { ...state, count: state.count + 1, nu, gradAvg: state.gradAvg === null ? null : gradAvg, momentumBuffer: state.momentumBuffer === null ? null : momentumBuffer },
        info: withLr ? { lr } : {},
      };
    },
  };
}

/**
 * RMSProp (Hinton), plain or `centered`, with optional momentum, matching PyTorch's torch.optim.RMSprop
 * step for step.
 * @example gn.optim.rmsprop({ lr: 1e-2, centered: true })
 */
export function rmsprop(o: RmspropOptions = {}): GradientTransformation<RmspropState> {
  return makeRmsprop("rmsprop", o, true);
}

/**
 * RMSProp's direction without a learning rate (positive, like the gradient).
 * @example gn.optim.chain({ rms: gn.optim.scaleByRms(), lr: gn.optim.scaleByLearningRate(1e-2) })
 */
export function scaleByRms(o: Omit<RmspropOptions, "lr"> = {}): GradientTransformation<RmspropState> {
  return makeRmsprop("scaleByRms", o, false);
}
