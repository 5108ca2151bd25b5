/** Skipping steps whose gradient (or loss) is not finite, instead of letting NaN into the parameters and the optimizer's state. */
import { treeMap } from "../core/tree.js";
import { Tensor } from "../core/tensor.js";
import { zerosLike } from "../ops/creation.js";
import type { GradientTransformation } from "./transform.js";
import { treeAllFinite } from "./treemath.js";

/** The state of `skipIfNotFinite`: the inner state and counts of skipped steps (total and in a row). */
export interface SkipState<S> {
  inner: S;
  notFiniteCount: number;
  consecutive: number;
}

/**
 * Runs `inner` only when every gradient element (and the loss in extras, when given) is finite;
 * otherwise returns zero updates, leaves the inner state untouched, counts the step in
 * `notFiniteCount`, and reports it (`skipped` and `nonFinite` in the step info, and so in the trace).
 * @example const opt = gn.optim.skipIfNotFinite(gn.optim.adam({ lr: 1e-3 }));
 */
export function skipIfNotFinite<S>(inner: GradientTransformation<S>): GradientTransformation<SkipState<S>> {
  return {
    name: `skipIfNotFinite(${inner.name})`,
    init: (params) => ({ inner: inner.init(params), notFiniteCount: 0, consecutive: 0 }),
    update(grads, state, params, extras) {
      const loss = extras?.loss;
      const lossValue = loss instanceof Tensor ? loss.item() : loss;
      if (!treeAllFinite(grads) || (lossValue !== undefined && !Number.isFinite(lossValue)))
        return {
          updates: treeMap((g) => zerosLike(g), grads),
          state: { ...state, notFiniteCount: state.notFiniteCount + 1, consecutive: state.consecutive + 1 },
          info: { skipped: true, nonFinite: true },
        };
      const r = inner.update(grads, state.inner, params, extras);
      return { updates: r.updates, state: { ...state, inner: r.state, consecutive: 0 }, info: r.info };
    },
  };
}
