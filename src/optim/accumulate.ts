/** Gradient accumulation: average the gradients of k calls, then take one step of the inner optimizer. */
import { ValueError } from "../core/errors.js";
import { treeMap } from "../core/tree.js";
import { zerosLike } from "../ops/creation.js";
import type { GradientTransformation } from "./transform.js";

/** The accumulator's state: the inner state, the running sum of gradients, how many are in it, and `hyper.every`. */
export interface AccumulateState<S> {
  inner: S;
  acc: any;
  miniStep: number;
  hyper: { every: number };
}

/**
 * Accumulates gradients over `every` calls: the first every - 1 calls return zero updates (reported as
 * `accumulating`) and the last one passes the mean of the gradients to `inner`, which then takes its
 * step. The inner state (step count, moments) only advances on those steps, so Adam's bias correction
 * counts real steps. A NaN in any gradient reaches the mean: wrap this in `skipIfNotFinite` to drop it
 * before accumulating.
 * @example gn.optim.accumulateGradients(gn.optim.adam({ lr: 1e-3 }), 4)
 */
export function accumulateGradients<S>(inner: GradientTransformation<S>, every: number): GradientTransformation<AccumulateState<S>> {
  const check = (k: number) => {
    if (!Number.isInteger(k) || k < 1) throw new ValueError(`accumulateGradients: every must be an integer >= 1, got ${k}`);
    return k;
  };
  check(every);
  return {
    name: `accumulateGradients(${inner.name}, ${every})`,
    init: (params) => ({ inner: inner.init(params), acc: treeMap((p) => zerosLike(p), params), miniStep: 0, hyper: { every } }),
    update(grads, state, params, extras) {
      const k = check(state.hyper.every);
      const acc = treeMap((a, g) => a.add(g), state.acc, grads);
      if (state.miniStep + 1 < k)
        return { updates: treeMap((g) => zerosLike(g), grads), state: { ...state, acc, miniStep: state.miniStep + 1 }, info: { accumulating: true } };
      const mean = treeMap((a) => a.div(k), acc);
      const r = inner.update(mean, state.inner, params, extras);
      return { updates: r.updates, state: { ...state, inner: r.state, acc: treeMap((a) => zerosLike(a), acc), miniStep: 0 }, info: r.info };
    },
  };
}
