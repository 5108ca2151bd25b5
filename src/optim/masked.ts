/**
 * Masking: run a transformation on some leaves only. The inner transformation sees trees in which the
 * leaves left out are replaced by null (so its state holds nothing for them); their updates pass
 * through unchanged, as in Optax. To freeze leaves, mask `setToZero()` onto them instead.
 */
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import type { GradientTransformation } from "./transform.js";

/** Which leaves to transform: a tree shaped like the params with booleans in place of tensors, or a test on each leaf's path (e.g. "layers[0].w") and value. */
export type Mask = unknown | ((path: string, leaf: Tensor) => boolean);

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** @internal One boolean per leaf of `tree` (in treeLeaves order). */
export function maskFlags(op: string, tree: unknown, mask: Mask): boolean[] {
  const out: boolean[] = [];
  const walk = (x: unknown, m: unknown, path: string): void => {
    if (x instanceof Tensor) {
      if (typeof mask === "function") out.push(!!(mask as (p: string, l: Tensor) => boolean)(path, x));
      else if (typeof m === "boolean") out.push(m);
      else throw new ValueError(`${op}: the mask has ${m === undefined ? "nothing" : JSON.stringify(m)} at "${path}" where the params have a tensor; give a boolean there`);
    } else if (Array.isArray(x)) x.forEach((v, i) => walk(v, typeof mask === "function" ? undefined : (m as unknown[] | undefined)?.[i], `${path}[${i}]`));
    else if (isPlainObject(x))
      for (const k of Object.keys(x)) walk(x[k], typeof mask === "function" ? undefined : (m as Record<string, unknown> | undefined)?.[k], path ? `${path}.${k}` : k);
  };
  walk(tree, mask, "");
  return out;
}

/** @internal `tree` with the leaves whose flag is false replaced by null. */
function select(tree: unknown, flags: boolean[]): unknown {
  let i = 0;
  const walk = (x: unknown): unknown => {
    if (x instanceof Tensor) return flags[i++] ? x : null;
    if (Array.isArray(x)) return x.map(walk);
    if (isPlainObject(x)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(x)) o[k] = walk(x[k]);
      return o;
    }
    return x;
  };
  return walk(tree);
}

/** @internal `full` with the selected leaves taken from `part` (which has null elsewhere). */
function merge(full: unknown, part: unknown, flags: boolean[]): unknown {
  let i = 0;
  const walk = (x: unknown, y: unknown): unknown => {
    if (x instanceof Tensor) {
      if (!flags[i++]) return x;
      if (!(y instanceof Tensor)) throw new ValueError("masked: the inner transformation returned updates with a different structure from its gradients");
      return y;
    }
    if (Array.isArray(x)) return x.map((v, k) => walk(v, (y as unknown[])[k]));
    if (isPlainObject(x)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(x)) o[k] = walk(x[k], (y as Record<string, unknown>)[k]);
      return o;
    }
    return x;
  };
  return walk(full, part);
}

/**
 * Applies `inner` to the leaves that `mask` selects; the other leaves' updates pass through unchanged.
 * The state is `{ inner }`.
 * @example
 * // weight decay on matrices only, not on biases:
 * gn.optim.chain({
 *   adam: gn.optim.scaleByAdam(),
 *   decay: gn.optim.masked(gn.optim.addDecayedWeights(1e-2), (path, leaf) => leaf.ndim > 1),
 *   lr: gn.optim.scaleByLearningRate(1e-3),
 * });
 */
export function masked<S>(inner: GradientTransformation<S>, mask: Mask): GradientTransformation<{ inner: S }> {
  return {
    name: `masked(${inner.name})`,
    init(params) {
      return { inner: inner.init(select(params, maskFlags("masked", params, mask))) };
    },
    update(grads, state, params, extras) {
      const flags = maskFlags("masked", grads, mask);
      const r = inner.update(select(grads, flags), state.inner, params === undefined ? undefined : select(params, flags), extras);
      return { updates: merge(grads, r.updates, flags), state: { ...state, inner: r.state }, info: r.info };
    },
  };
}
