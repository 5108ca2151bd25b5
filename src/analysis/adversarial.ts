/**
 * Adversarial training (Madry et al. 2018) as pieces a training loop can use: `pgdAugment` replaces a
 * batch by PGD adversarial inputs, and `adversarialLoss` wraps a loss so that each step trains on them.
 * The attack sees the parameters as constants (Danskin's theorem: the gradient of the max is the
 * gradient at the maximiser), so the outer gradient does not differentiate through the attack.
 */
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import type { Tree } from "../core/tree.js";
import * as ops from "../ops/index.js";
import * as random from "../random/index.js";
import { stopGradient } from "../transforms/stopGradient.js";
import { type PgdOptions, pgd } from "./attacks.js";
import { type Labels, type LossFn, defaultLoss } from "./model.js";
import type { Model } from "./model.js";

/**
 * The PGD adversarial version of a batch, as a constant (no derivative flows back through it): train
 * on it instead of (or besides) x. Same options as `pgd`; pass a fresh `key` each step so the random
 * starts differ.
 * @example
 * const w = gn.tensor([[2], [-1]]);
 * const xAdv = gn.audit.pgdAugment((x) => gn.matmul(x, w), gn.tensor([[0.5, 0.5]]), [1], { epsilon: 0.1, key: gn.random.key(3) });
 */
export function pgdAugment(model: Model, x: Tensor, y: Labels, opts: PgdOptions): Tensor {
  return stopGradient(pgd(model, x, y, opts).xAdv);
}

/** Options of `adversarialLoss`. */
export interface AdversarialLossOptions extends Omit<PgdOptions, "loss" | "key"> {
  /** The per-sample training loss `(output, labels) => [N]` (default: cross-entropy, or binary cross-entropy for one score). It is also what the attack increases. */
  loss?: LossFn;
  /** Weight of the adversarial loss; the clean loss gets 1 - mix (default 1: train on adversarial inputs only). */
  mix?: number;
}

/**
 * Wraps `apply(params, x)` into an adversarial training loss `(params, x, y, key?) => scalar`: the mean
 * of (1 - mix) * loss(apply(params, x), y) + mix * loss(apply(params, xAdv), y), with xAdv from PGD
 * against the current parameters. Differentiate it with gn.grad as any loss; give each step its own key.
 * @example
 * const apply = (p, x) => gn.matmul(x, p.w);
 * const lossFn = gn.audit.adversarialLoss(apply, { epsilon: 0.1, steps: 5 });
 * const g = gn.grad(lossFn)({ w: gn.tensor([[1], [-1]]) }, gn.tensor([[0.3, 0.1]]), [1], gn.random.key(0));
 */
export function adversarialLoss<P extends Tree>(apply: (params: P, x: Tensor) => Tensor, opts: AdversarialLossOptions): (params: P, x: Tensor, y: Labels, key?: random.Key) => Tensor {
  const mix = opts.mix ?? 1;
  if (!(mix >= 0 && mix <= 1)) throw new ValueError(`audit.adversarialLoss: mix must be in [0, 1], got ${mix}`);
  const loss = opts.loss ?? defaultLoss(opts);
  return (params: P, x: Tensor, y: Labels, key?: random.Key) => {
    const fixed = stopGradient(params);
    const xAdv = pgdAugment((xx) => apply(fixed, xx), x, y, { ...opts, loss, key: key ?? random.key(0) });
    const yt = y instanceof Tensor ? y.astype("int32") : ops.tensor(Int32Array.from(y), { dtype: "int32" });
    const adv = loss(apply(params, xAdv), yt).mean();
    if (mix === 1) return adv;
    const clean = loss(apply(params, x), yt).mean();
    return ops.add(ops.mul(clean, 1 - mix), ops.mul(adv, mix));
  };
}
