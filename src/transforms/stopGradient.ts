import { Tensor } from "../core/tensor.js";
import { treeMap, type Tree } from "../core/tree.js";

/**
 * Returns x's value as a constant that no transform differentiates through (at every level of
 * nesting, as in JAX). Works on trees.
 * @example
 * const f = (x) => gn.mul(x, gn.stopGradient(x));
 * gn.grad(f)(gn.scalar(3)).item(); // 3, not 6
 */
export function stopGradient<T extends Tree>(x: T): T {
  return treeMap((t: Tensor) => t._concrete(), x) as T;
}
