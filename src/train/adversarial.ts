/**
 * Adversarial training (Madry et al. 2018) as a `fit` option: each step first replaces the batch by
 * PGD adversarial inputs found against the current parameters (gn.audit.pgdAugment, with the model in
 * evaluation mode and its parameters held constant), then takes the usual gradient step on them. The
 * training loss, sample weights, penalty and model state are fit's own; only the inputs change.
 */
import { ValueError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import type { Tree } from "../core/tree.js";
import { pgdAugment } from "../analysis/adversarial.js";
import type { Bounds } from "../analysis/attacks.js";
import type { Layer } from "../nn/layer.js";
import { type Key, foldIn, key as makeKey } from "../random/index.js";
import { stopGradient } from "../transforms/stopGradient.js";

/** Options of adversarial training (fit's `adversarial`). */
export interface AdversarialTrainingOptions {
  /** The attack's budget, in model-input units (required). */
  epsilon: number;
  /** PGD steps per training step (default 7). */
  steps?: number;
  /** PGD step size (default 2.5 epsilon / steps). */
  stepSize?: number;
  /** Infinity (default) or 2. */
  norm?: 2 | typeof Infinity;
  /** The valid input range; attacked inputs are clipped into it (default unbounded). */
  bounds?: Bounds;
  /** Weight of the adversarial loss; the clean loss gets 1 - mix (default 1: adversarial inputs only). */
  mix?: number;
}

/** @internal Validates the options once, before training starts; returns them with defaults. */
export function checkAdversarial(op: string, a: AdversarialTrainingOptions): AdversarialTrainingOptions {
  if (a === null || typeof a !== "object") throw new ValueError(`${op}: adversarial must be an object { epsilon, steps?, norm?, mix? }`);
  if (!(typeof a.epsilon === "number" && a.epsilon >= 0 && Number.isFinite(a.epsilon))) throw new ValueError(`${op}: adversarial.epsilon must be a finite number >= 0, got ${a.epsilon}`);
  const steps = a.steps ?? 7;
  if (!Number.isInteger(steps) || steps < 1) throw new ValueError(`${op}: adversarial.steps must be an integer >= 1, got ${steps}`);
  const norm = a.norm ?? Infinity;
  if (norm !== 2 && norm !== Infinity) throw new ValueError(`${op}: adversarial.norm must be Infinity or 2, got ${norm}`);
  const mix = a.mix ?? 1;
  if (!(mix >= 0 && mix <= 1)) throw new ValueError(`${op}: adversarial.mix must be in [0, 1], got ${mix}`);
  return { epsilon: a.epsilon, steps, norm, mix, bounds: a.bounds, stepSize: a.stepSize };
}

/**
 * @internal The PGD version of a batch against the current parameters: a constant (no derivative
 * flows back into the attack, by Danskin's theorem the gradient of the inner maximum is the gradient
 * at the maximiser). Labels must be class indices: the attack ascends cross-entropy (binary
 * cross-entropy for one logit).
 */
export function adversarialBatch(model: Layer, params: Tree, modelState: Tree, x: Tensor, y: Tensor, a: AdversarialTrainingOptions, key: Key | undefined): Tensor {
  if (y.dtype !== "int32") throw new ValueError(`fit: adversarial training needs class labels (int32), got ${y.dtype} targets; the attack ascends the classification loss`);
  const fixed = stopGradient(params);
  const apply = (xx: Tensor) => model.apply(fixed, xx, { state: modelState, training: false }).y;
  const { mix: _mix, ...attack } = a;
  return pgdAugment(apply, x, y, { ...attack, key: foldIn(key ?? makeKey(0), 0xad7) });
}
