/**
 * Arithmetic on whole parameter trees, used by every optimizer: inner products and norms across all
 * leaves (returned as JavaScript numbers), and leafwise combinations. Leaves are matched by position,
 * as `treeLeaves` orders them; `null` in place of a leaf (see `masked`) is kept as it is.
 */
import { ValueError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { treeLeaves, treeMap } from "../core/tree.js";
import { zerosLike } from "../ops/creation.js";
import { matmul } from "../ops/linalg.js";
import { sum } from "../ops/reduce.js";
import { reshape } from "../ops/shape.js";
import { fusedNormsAndDot } from "../backends/fused.js";

/**
 * The sum over all leaves of <a_i, b_i>, as a number (computed per leaf in the leaves' dtype, summed in
 * float64). NaN in any leaf gives NaN.
 * @example gn.optim.treeVdot({ w: gn.tensor([1, 2]) }, { w: gn.tensor([3, 4]) }) // 11
 */
export function treeVdot(a: unknown, b: unknown): number {
  const la = treeLeaves(a);
  const lb = treeLeaves(b);
  if (la.length !== lb.length) throw new ValueError(`treeVdot: the trees have ${la.length} and ${lb.length} tensors; they must have the same structure`);
  let s = 0;
  for (let i = 0; i < la.length; i++) s += sumAndFree(la[i].mul(lb[i]));
  return s;
}

/**
 * The global L2 norm: the square root of the sum of squares of every element of every leaf.
 * NaN anywhere gives NaN; an infinity gives Infinity.
 * @example gn.optim.globalNorm([gn.tensor([3]), gn.tensor([4])]) // 5
 */
export function globalNorm(tree: unknown): number {
  let s = 0;
  for (const x of treeLeaves(tree)) s += sumAndFree(x.mul(x));
  return Math.sqrt(s);
}

/**
 * globalNorm(a), globalNorm(b) and treeVdot(a, b) in one pass, for trees of the same structure (a
 * training trace records all three each step). Where the backend has a fused kernel (native), each
 * leaf is read once for all three (`fusedNormsAndDot`). Otherwise each leaf gives three dot products, made as products
 * of its [1, n] and [n, 1] views: one read of the two leaves, nothing written per element, where the
 * separate functions make a product tensor and sum it for each. (The dots are read one by one: on
 * these CPU backends a read costs less than gathering them with concat.) Equal to the separate
 * functions up to the order of summation. NaN in a leaf gives NaN in what it enters.
 * @internal (the trace recorder's; not part of `gn.optim`)
 * @example treeNormsAndVdot({ w: gn.tensor([3, 4]) }, { w: gn.tensor([1, 0]) }) // { aNorm: 5, bNorm: 1, vdot: 3 }
 */
export function treeNormsAndVdot(a: unknown, b: unknown): { aNorm: number; bNorm: number; vdot: number } {
  const la = treeLeaves(a);
  const lb = treeLeaves(b);
  if (la.length !== lb.length) throw new ValueError(`treeNormsAndVdot: the trees have ${la.length} and ${lb.length} tensors; they must have the same structure`);
  const made: Tensor[] = [];
  /** A view of x as [rows, cols]; freed afterwards unless it is x itself. */
  const view = (x: Tensor, rows: number, cols: number): Tensor => {
    const v = reshape(x, [rows, cols]);
    if (v !== x) made.push(v);
    return v;
  };
  // Summed in float64, as treeVdot and globalNorm sum their per-leaf values.
  let aa = 0;
  let bb = 0;
  let ab = 0;
  const read = (d: Tensor): number => {
    const v = d.item();
    d.dispose();
    return v;
  };
  for (let i = 0; i < la.length; i++) {
    const x = la[i];
    const y = lb[i];
    if (x.size !== y.size) throw new ValueError(`treeNormsAndVdot: leaf ${i} has ${x.size} and ${y.size} elements; the trees must have the same shapes`);
    const fused = fusedNormsAndDot(x, y);
    if (fused !== null) {
      aa += fused[0];
      bb += fused[1];
      ab += fused[2];
      continue;
    }
    const n = x.size;
    const xRow = view(x, 1, n);
    const yRow = view(y, 1, n);
    const xCol = view(x, n, 1);
    const yCol = view(y, n, 1);
    aa += read(matmul(xRow, xCol));
    bb += read(matmul(yRow, yCol));
    ab += read(matmul(xRow, yCol));
  }
  for (const t of made) t.dispose();
  return { aNorm: Math.sqrt(aa), bNorm: Math.sqrt(bb), vdot: ab };
}

/** The sum of a product's elements as a number; the product and its sum are disposed (no heap garbage per step). */
function sumAndFree(prod: Tensor): number {
  const total = sum(prod);
  const v = total.item();
  total.dispose();
  prod.dispose();
  return v;
}

/** True when every element of every leaf is finite (no NaN, no ±Infinity). @example gn.optim.treeAllFinite([gn.tensor([1, NaN])]) // false */
export function treeAllFinite(tree: unknown): boolean {
  for (const x of treeLeaves(tree)) {
    const v = x.toTypedArray();
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  }
  return true;
}

/** A tree of zeros shaped like `tree`. @example gn.optim.treeZerosLike({ w: gn.ones([2]) }) */
export function treeZerosLike<T>(tree: T): T {
  return treeMap((x) => zerosLike(x), tree);
}

/** `tree` times the number `s`, leafwise. @example gn.optim.treeScale({ w: gn.ones([2]) }, 3) */
export function treeScale<T>(tree: T, s: number): T {
  return treeMap((x) => x.mul(s), tree);
}

/** a + s b, leafwise (s defaults to 1). @example gn.optim.treeAddScaled(p, d, 0.5) */
export function treeAddScaled<T>(a: T, b: unknown, s = 1): T {
  return treeMap((x, y) => x.add(s === 1 ? y : y.mul(s)), a, b);
}

/** a - b, leafwise. @example gn.optim.treeSub(p1, p0) */
export function treeSub<T>(a: T, b: unknown): T {
  return treeMap((x, y) => x.sub(y), a, b);
}

/** The number of scalar elements across all leaves. @example gn.optim.treeSize({ w: gn.ones([2, 3]) }) // 6 */
export function treeSize(tree: unknown): number {
  let n = 0;
  for (const x of treeLeaves(tree)) n += x.size;
  return n;
}

