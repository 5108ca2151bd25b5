/** Reduce-on-plateau: shrink the step when the loss stops improving (PyTorch's ReduceLROnPlateau rule, as a chain member). */
import { ValueError } from "../core/errors.js";
import { treeMap } from "../core/tree.js";
import { Tensor } from "../core/tensor.js";
import type { GradientTransformation } from "./transform.js";

export interface PlateauOptions {
  /** The factor the scale is multiplied by at a plateau (default 0.1). */
  factor?: number;
  /** How many steps without improvement are tolerated (default 10). */
  patience?: number;
  /** The relative (or absolute) improvement that counts (default 1e-4). */
  threshold?: number;
  /** "rel": better when loss < best (1 - threshold); "abs": when loss < best - threshold. */
  thresholdMode?: "rel" | "abs";
  /** Steps to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The smallest scale (default 0). */
  minScale?: number;
}

/** The state: the current scale, the best loss so far (null before the first), the steps without improvement, the cooldown left, and the options. */
export interface PlateauState {
  count: number;
  scale: number;
  best: number | null;
  badSteps: number;
  cooldownLeft: number;
  hyper: { factor: number; patience: number; threshold: number; cooldown: number; minScale: number; absolute: number };
}

/**
 * Multiplies the updates by a scale (starting at 1) that drops by `factor` whenever the loss (from
 * `extras.loss`, which it needs) has not improved for more than `patience` steps. The loss of the
 * current step decides the scale used for this step. A NaN loss counts as no improvement.
 * Put it after the optimizer: chain({ adam: adam({ lr: 1e-2 }), plateau: reduceOnPlateau({ patience: 20 }) }).
 * @example gn.optim.reduceOnPlateau({ factor: 0.5, patience: 5 })
 */
export function reduceOnPlateau(o: PlateauOptions = {}): GradientTransformation<PlateauState> {
  const hyper = {
    factor: o.factor ?? 0.1,
    patience: o.patience ?? 10,
    threshold: o.threshold ?? 1e-4,
    cooldown: o.cooldown ?? 0,
    minScale: o.minScale ?? 0,
    absolute: o.thresholdMode === "abs" ? 1 : 0,
  };
  if (!(hyper.factor > 0 && hyper.factor < 1)) throw new ValueError(`reduceOnPlateau: factor must be in (0, 1), got ${hyper.factor}`);
  for (const k of ["patience", "threshold", "cooldown", "minScale"] as const)
    if (!(hyper[k] >= 0) || !Number.isFinite(hyper[k])) throw new ValueError(`reduceOnPlateau: ${k} must be a finite number >= 0, got ${hyper[k]}`);
  if (o.thresholdMode !== undefined && o.thresholdMode !== "rel" && o.thresholdMode !== "abs")
    throw new ValueError(`reduceOnPlateau: thresholdMode must be "rel" or "abs", got ${JSON.stringify(o.thresholdMode)}`);
  return {
    name: "reduceOnPlateau",
    init: () => ({ count: 0, scale: 1, best: null, badSteps: 0, cooldownLeft: 0, hyper }),
    update(grads, state, _params, extras) {
      const raw = extras?.loss;
      if (raw === undefined) throw new ValueError("reduceOnPlateau: update needs the loss: pass { loss } as extras (the fourth argument), or use gn.optim.minimize");
      const loss = raw instanceof Tensor ? raw.item() : raw;
      const h = state.hyper;
      const better = state.best === null ? Number.isFinite(loss) : h.absolute ? loss < state.best - h.threshold : loss < state.best * (1 - h.threshold);
      let best = better ? loss : state.best;
      let badSteps = better ? 0 : state.badSteps + 1;
      let cooldownLeft = state.cooldownLeft;
      let scale = state.scale;
      let reduced = false;
      if (cooldownLeft > 0) {
        cooldownLeft--;
        badSteps = 0;
      }
      if (badSteps > h.patience) {
        const next = Math.max(scale * h.factor, h.minScale);
        reduced = next < scale;
        scale = next;
        cooldownLeft = h.cooldown;
        badSteps = 0;
      }
      if (best !== null && !Number.isFinite(best)) best = state.best;
      const updates = scale === 1 ? grads : treeMap((g) => g.mul(scale), grads);
      return {
        updates,
        state: { ...state, count: state.count + 1, scale, best, badSteps, cooldownLeft },
        info: { lr: scale, plateau: { scale, best: best ?? NaN, badSteps, reduced } },
      };
    },
  };
}
