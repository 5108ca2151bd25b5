/** Clipping: limit each element (clipByValue) or the global norm of all gradients together (clipByGlobalNorm). */
import { ValueError } from "../core/errors.js";
import { treeLeaves, treeMap } from "../core/tree.js";
import { abs, clip, greater } from "../ops/elementwise.js";
import { sum } from "../ops/reduce.js";
import { type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import type { GradientTransformation } from "./transform.js";
import { globalNorm } from "./treemath.js";

/** The state of a clipping transform: the step count and the limit. */
export interface ClipState {
  count: number;
  hyper: { max: HyperValue };
}

/**
 * Limits every element of the updates to [-max, max] (`state.hyper.max`). Reports how many elements
 * it changed. NaN stays NaN (clip it with `skipIfNotFinite`); ±Infinity becomes ±max.
 * @example gn.optim.clipByValue(1)
 */
export function clipByValue(max: HyperValue): GradientTransformation<ClipState> {
  const hyper = checkHyper("clipByValue", { max }, { max: [(v) => v >= 0, "a number >= 0"] });
  return {
    name: "clipByValue",
    init: () => ({ count: 0, hyper }),
    update(grads, state) {
      const h = hyperValues("clipByValue", state.hyper, state.count);
      let count = 0;
      for (const g of treeLeaves(grads)) count += sum(greater(abs(g), h.max)).item();
      const updates = count === 0 ? grads : treeMap((g) => clip(g, -h.max, h.max), grads);
      return { updates, state: { ...state, count: state.count + 1 }, info: { clip: { kind: "value", clipped: count > 0, count } } };
    },
  };
}

/**
 * Scales all updates together so that their global L2 norm is at most `maxNorm` (`state.hyper.max`):
 * g · min(1, maxNorm / ‖g‖). Reports the norm before clipping and the factor. When the norm is NaN or
 * infinite the updates are passed through unchanged and the step is reported as non-finite (a factor
 * would turn infinities into NaN); combine with `skipIfNotFinite` to skip such steps.
 * @example gn.optim.chain({ clip: gn.optim.clipByGlobalNorm(1), adam: gn.optim.adam() })
 */
export function clipByGlobalNorm(maxNorm: HyperValue): GradientTransformation<ClipState> {
  const hyper = checkHyper("clipByGlobalNorm", { max: maxNorm }, { max: [(v) => v > 0, "a number > 0"] });
  return {
    name: "clipByGlobalNorm",
    init: () => ({ count: 0, hyper }),
    update(grads, state) {
      const h = hyperValues("clipByGlobalNorm", state.hyper, state.count);
      if (!(h.max > 0)) throw new ValueError(`clipByGlobalNorm: the limit must be > 0, got ${h.max}`);
      const norm = globalNorm(grads);
      const next = { ...state, count: state.count + 1 };
      if (!Number.isFinite(norm)) return { updates: grads, state: next, info: { nonFinite: true, clip: { kind: "globalNorm", clipped: false, norm, scale: 1 } } };
      if (norm <= h.max) return { updates: grads, state: next, info: { clip: { kind: "globalNorm", clipped: false, norm, scale: 1 } } };
      const factor = h.max / norm;
      return { updates: treeMap((g) => g.mul(factor), grads), state: next, info: { clip: { kind: "globalNorm", clipped: true, norm, scale: factor } } };
    },
  };
}
