/**
 * Trees: nested plain objects and arrays whose leaves are tensors (a model's parameters, an optimizer's
 * state, a function's arguments). Anything that is not a tensor, array or plain object (numbers,
 * strings, null) is kept as it is and is not a leaf.
 */
import { ValueError } from "./errors.js";
import { Tensor } from "./tensor.js";

export type Tree = Tensor | readonly Tree[] | { readonly [key: string]: Tree } | number | string | boolean | null | undefined;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** The tensors of a tree, in a fixed order (arrays by index, objects by key insertion order). */
export function treeLeaves(tree: unknown): Tensor[] {
  const out: Tensor[] = [];
  const walk = (x: unknown): void => {
    if (x instanceof Tensor) out.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (isPlainObject(x)) for (const k of Object.keys(x)) walk(x[k]);
  };
  walk(tree);
  return out;
}

/** The tensors of a tree with their paths, e.g. `layers[0].w`. */
export function treeLeavesWithPath(tree: unknown): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  const walk = (x: unknown, path: string): void => {
    if (x instanceof Tensor) out.push([path, x]);
    else if (Array.isArray(x)) x.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (isPlainObject(x)) for (const k of Object.keys(x)) walk(x[k], path ? `${path}.${k}` : k);
  };
  walk(tree, "");
  return out;
}

/** Rebuilds a tree of the same structure with new leaves (in `treeLeaves` order). */
export function treeUnflatten<T>(tree: T, leaves: readonly Tensor[]): T {
  let i = 0;
  const walk = (x: unknown): unknown => {
    if (x instanceof Tensor) {
      if (i >= leaves.length) throw new ValueError(`treeUnflatten: the tree has more leaves than the ${leaves.length} given`);
      return leaves[i++];
    }
    if (Array.isArray(x)) return x.map(walk);
    if (isPlainObject(x)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(x)) o[k] = walk(x[k]);
      return o;
    }
    return x;
  };
  const out = walk(tree) as T;
  if (i !== leaves.length) throw new ValueError(`treeUnflatten: the tree has ${i} leaves but ${leaves.length} were given`);
  return out;
}

/**
 * Applies `f` to every tensor of `tree` (and the matching tensors of `rest`, which must have the same
 * structure), returning a tree of the same structure.
 * @example gn.treeMap((p, g) => p.sub(g.mul(0.1)), params, grads)
 */
export function treeMap<T>(f: (x: Tensor, ...rest: Tensor[]) => Tensor, tree: T, ...rest: unknown[]): T {
  const leaves = treeLeaves(tree);
  const others = rest.map((r, k) => {
    const l = treeLeaves(r);
    if (l.length !== leaves.length) throw new ValueError(`treeMap: tree ${k + 1} has ${l.length} tensors but the first has ${leaves.length}; the trees must have the same structure`);
    return l;
  });
  return treeUnflatten(tree, leaves.map((x, i) => f(x, ...others.map((o) => o[i]))));
}

/** Checks that two trees have the same structure (same keys, lengths and leaf positions). */
export function treeStructureEqual(a: unknown, b: unknown): boolean {
  if (a instanceof Tensor || b instanceof Tensor) return a instanceof Tensor && b instanceof Tensor;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => treeStructureEqual(x, b[i]));
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && treeStructureEqual(a[k], b[k]));
  }
  return true;
}
