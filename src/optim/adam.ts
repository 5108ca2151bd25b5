/**
 * Adam and its variants: AdamW (decoupled weight decay) and AMSGrad (the running maximum of the second
 * moment). The update follows PyTorch's torch.optim.Adam / AdamW step for step, including its order of
 * operations: the bias corrections are applied to the step size and to the denominator, not to the
 * moments (see docs/optimizers.md).
 */
import { fusedAdamLeaf } from "../backends/fused.js";
import type { Tensor } from "../core/tensor.js";
import { maximum } from "../ops/elementwise.js";
import { zerosLike } from "../ops/creation.js";
import { treeMap } from "../core/tree.js";
import { type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import { type GradientTransformation, Temporaries, mapLeaves, needParams } from "./transform.js";

/** The numbers one Adam step uses (computed once per step, in float64). */
export interface AdamStepConstants {
  b1: number;
  b2: number;
  eps: number;
  /** The factor m / denom is multiplied by: -lr / (1 - b1^t) (or 1 / (1 - b1^t) for `scaleByAdam`). */
  stepScale: number;
  /** sqrt(1 - b2^t). */
  bc2Sqrt: number;
  /** L2 weight decay added to the gradient (Adam's weight_decay). */
  l2: number;
  /** Decoupled decay: the update gets -decoupled · p (AdamW: lr · weightDecay). */
  decoupled: number;
}

/**
 * The per-leaf Adam update in PyTorch's order: g += l2 p; m = b1 m + (1 - b1) g;
 * v = b2 v + (1 - b2) g²; vmax = max(vmax, v) (AMSGrad); denom = sqrt(v or vmax) / sqrt(1 - b2^t) + eps;
 * update = stepScale · m / denom - decoupled · p. One function, so that a backend can replace it with a
 * fused kernel.
 * @example
 * // the first step of Adam with lr 1e-3 (t = 1: 1 - b1^t = 0.1, sqrt(1 - b2^t) = sqrt(0.001))
 * const c = { b1: 0.9, b2: 0.999, eps: 1e-8, stepScale: -1e-3 / 0.1, bc2Sqrt: Math.sqrt(0.001), l2: 0, decoupled: 0 };
 * const [u, m, v] = gn.optim.adamLeafUpdate(g, null, gn.zerosLike(g), gn.zerosLike(g), null, c); // u ≈ -1e-3 · sign(g)
 */
export function adamLeafUpdate(g: Tensor, p: Tensor | null, m: Tensor, v: Tensor, vmax: Tensor | null, c: AdamStepConstants): [update: Tensor, m: Tensor, v: Tensor, vmax: Tensor | null] {
  const fused = fusedAdamLeaf(g, p, m, v, vmax, c); // one pass on backends that offer it (wasm); same rounding
  if (fused !== null) return fused;
  const T = new Temporaries();
  const gg = c.l2 !== 0 ? T.t(g.add(T.t(p!.mul(c.l2)))) : g;
  const m1 = T.t(m.mul(c.b1)).add(T.t(gg.mul(1 - c.b1)));
  const v1 = T.t(v.mul(c.b2)).add(T.t(T.t(gg.mul(gg)).mul(1 - c.b2)));
  const vmax1 = vmax === null ? null : maximum(vmax, v1);
  const denom = T.t(T.t(T.t((vmax1 ?? v1).sqrt()).div(c.bc2Sqrt)).add(c.eps));
  let u = T.t(m1.div(denom)).mul(c.stepScale);
  if (c.decoupled !== 0) u = T.t(u).sub(T.t(p!.mul(c.decoupled)));
  T.free(u);
  return [u, m1, v1, vmax1];
}

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: HyperValue;
  /** Decay of the first moment (default 0.9). */
  b1?: HyperValue;
  /** Decay of the second moment (default 0.999). */
  b2?: HyperValue;
  /** Added to the denominator (default 1e-8). */
  eps?: HyperValue;
  /** Weight decay: L2 added to the gradient for adam, decoupled (p -= lr · wd · p) for adamw (default 0; adamw 0.01). */
  weightDecay?: HyperValue;
  /** Keep the running maximum of the second moment (AMSGrad). */
  amsgrad?: boolean;
}

/** Adam's state: step count, first moment mu, second moment nu, the maximum of nu (AMSGrad, else null), and the hyperparameters. */
export interface AdamState {
  count: number;
  mu: any;
  nu: any;
  nuMax: any;
  hyper: { lr?: HyperValue; b1: HyperValue; b2: HyperValue; eps: HyperValue; weightDecay: HyperValue };
}

type Kind = "adam" | "adamw" | "amsgrad" | "scaleByAdam";

function makeAdam(kind: Kind, o: AdamOptions): GradientTransformation<AdamState> {
  const withLr = kind !== "scaleByAdam";
  const decoupled = kind === "adamw";
  const hyper = checkHyper(kind, { lr: o.lr ?? 1e-3, b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.999, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? (decoupled ? 0.01 : 0) }, {
    lr: [(v) => v >= 0, "a number >= 0"],
    b1: [(v) => v >= 0 && v < 1, "in [0, 1)"],
    b2: [(v) => v >= 0 && v < 1, "in [0, 1)"],
    eps: [(v) => v >= 0, "a number >= 0"],
    weightDecay: [(v) => v >= 0, "a number >= 0"],
  });
  if (!withLr) delete (hyper as { lr?: HyperValue }).lr;
  const amsgrad = kind === "amsgrad" || !!o.amsgrad;
  return {
    name: amsgrad && kind === "adam" ? "amsgrad" : kind,
    init(params) {
      const zeros = () => treeMap((p) => zerosLike(p), params);
      return { count: 0, mu: zeros(), nu: zeros(), nuMax: amsgrad ? zeros() : null, hyper };
    },
    update(grads, state, params) {
      const h = hyperValues(kind, state.hyper, state.count);
      if (h.weightDecay !== 0) needParams(kind, params);
      const t = state.count + 1;
      const bc1 = 1 - Math.pow(h.b1, t);
      const lr = withLr ? h.lr! : 1;
      const c: AdamStepConstants = {
        b1: h.b1,
        b2: h.b2,
        eps: h.eps,
        stepScale: (withLr ? -lr : 1) / bc1,
        bc2Sqrt: Math.sqrt(1 - Math.pow(h.b2, t)),
        l2: decoupled ? 0 : h.weightDecay,
        decoupled: decoupled ? lr * h.weightDecay : 0,
      };
      const [updates, mu, nu, nuMax] = mapLeaves(grads, [grads, h.weightDecay !== 0 ? params : null, state.mu, state.nu, state.nuMax], 4, (g, p, m, v, vm) => {
        const [u, m1, v1, vm1] = adamLeafUpdate(g, p, m, v, vm, c);
        return vm1 === null ? [u, m1, v1] : [u, m1, v1, vm1];
      });
      return { updates, state: { ...state, count: t, mu, nu, nuMax: state.nuMax === null ? null : nuMax }, info: withLr ? { lr } : {} };
    },
  };
}

/**
 * Adam (Kingma & Ba), matching PyTorch's torch.optim.Adam step for step; `weightDecay` adds an L2
 * term to the gradient as PyTorch's does. `amsgrad: true` gives AMSGrad.
 * NaN or infinity in a gradient enters the moments and stays there: wrap in `skipIfNotFinite`.
 * @example
 * const opt = gn.optim.adam({ lr: 1e-2 });
 * let state = opt.init(params);
 * state.hyper.lr; // 0.01, changeable between steps with gn.optim.setHyper(state, "lr", 1e-3)
 */
export function adam(o: AdamOptions = {}): GradientTransformation<AdamState> {
  return makeAdam("adam", o);
}

/**
 * AdamW: Adam with decoupled weight decay (p -= lr · weightDecay · p each step, default 0.01),
 * matching PyTorch's torch.optim.AdamW step for step.
 * @example gn.optim.adamw({ lr: 1e-3, weightDecay: 0.01 })
 */
export function adamw(o: AdamOptions = {}): GradientTransformation<AdamState> {
  return makeAdam("adamw", o);
}

/**
 * AMSGrad: Adam whose denominator uses the running maximum of the second moment (PyTorch's
 * Adam(amsgrad=True)). Same options as `adam`.
 * @example gn.optim.amsgrad({ lr: 1e-2 })
 */
export function amsgrad(o: Omit<AdamOptions, "amsgrad"> = {}): GradientTransformation<AdamState> {
  return makeAdam("amsgrad", { ...o, amsgrad: true });
}

/**
 * Adam's direction without a learning rate: m̂ / (sqrt(v̂) + eps), positive like the gradient; follow
 * it with `scaleByLearningRate`. Its `hyper` has no lr.
 * @example gn.optim.chain({ adam: gn.optim.scaleByAdam(), lr: gn.optim.scaleByLearningRate(1e-3) })
 */
export function scaleByAdam(o: Omit<AdamOptions, "lr"> = {}): GradientTransformation<AdamState> {
  return makeAdam("scaleByAdam", o);
}
