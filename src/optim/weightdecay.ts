/** Decoupled weight decay as a chain member: updates + weightDecay · params. */
import { treeMap } from "../core/tree.js";
import { type HyperValue, checkHyper, hyperValues } from "./hyper.js";
import { type GradientTransformation, needParams } from "./transform.js";

/**
 * Adds weightDecay · params to the updates (`state.hyper.weightDecay`). Put it before
 * `scaleByLearningRate`, so the decay is scaled by the learning rate but not by Adam's denominator:
 * chain({ adam: scaleByAdam(), decay: addDecayedWeights(1e-2), lr: scaleByLearningRate(1e-3) }) is
 * AdamW. To decay only some leaves (not biases, say), wrap it in `masked`.
 * @example gn.optim.addDecayedWeights(1e-4)
 */
export function addDecayedWeights(weightDecay: HyperValue): GradientTransformation<{ count: number; hyper: { weightDecay: HyperValue } }> {
  const hyper = checkHyper("addDecayedWeights", { weightDecay }, { weightDecay: [(v) => v >= 0, "a number >= 0"] });
  return {
    name: "addDecayedWeights",
    init: () => ({ count: 0, hyper }),
    update(grads, state, params) {
      const h = hyperValues("addDecayedWeights", state.hyper, state.count);
      const next = { ...state, count: state.count + 1 };
      if (h.weightDecay === 0) return { updates: grads, state: next, info: {} };
      needParams("addDecayedWeights", params);
      return { updates: treeMap((g, p) => g.add(p.mul(h.weightDecay)), grads, params), state: next, info: {} };
    },
  };
}
