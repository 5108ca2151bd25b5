/** Matrix products and, in linalg-*.ts, decompositions and solves. */
import { ShapeError, fmtShape } from "../core/errors.js";
import { broadcastShapes } from "../core/shape.js";
import type { Tensor } from "../core/tensor.js";
import { bind } from "../engine/trace.js";
import { coerce, mul } from "./elementwise.js";
import { sum } from "./reduce.js";
import { broadcastTo, expandDims, reshape } from "./shape.js";

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row/column and the added axis
 * removed; leading (batch) axes broadcast.
 * @example gn.matmul(gn.ones([2, 3]), gn.ones([3, 4])).shape // [2, 4]
 * @example gn.matmul(gn.ones([5, 2, 3]), gn.ones([3])).shape  // [5, 2]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0)
    throw new ShapeError(`matmul: operands must have at least one axis, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)} (use mul for scalars)`);
  let [x, y] = coerce(a, b, true, true);
  const vecA = x.ndim === 1;
  const vecB = y.ndim === 1;
  if (vecA) x = reshape(x, [1, x.shape[0]]);
  if (vecB) y = reshape(y, [y.shape[0], 1]);
  if (x.shape[x.ndim - 1] !== y.shape[y.ndim - 2])
    throw new ShapeError(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}: inner sizes ${x.shape[x.ndim - 1]} and ${y.shape[y.ndim - 2]} differ`);
  const batch = broadcastShapes("matmul", x.shape.slice(0, -2), y.shape.slice(0, -2));
  x = broadcastTo(x, [...batch, ...x.shape.slice(-2)]);
  y = broadcastTo(y, [...batch, ...y.shape.slice(-2)]);
  let out = bind("matmul", [x, y], {});
  if (vecA || vecB) {
    const s = [...batch];
    if (!vecA) s.push(out.shape[out.ndim - 2]);
    if (!vecB) s.push(out.shape[out.ndim - 1]);
    out = reshape(out, s);
  }
  return out;
}

/**
 * Dot product of two vectors (a scalar), or matmul for higher ranks.
 * @example gn.dot(gn.tensor([1, 2]), gn.tensor([3, 4])) // 11
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) throw new ShapeError(`dot: vectors of lengths ${a.shape[0]} and ${b.shape[0]} differ`);
    return sum(mul(a, b));
  }
  return matmul(a, b);
}

/**
 * Outer product of two vectors: out[i, j] = a[i] b[j].
 * @example gn.outer(gn.tensor([1, 2]), gn.tensor([1, 10])) // [[1, 10], [2, 20]]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError(`outer: needs two vectors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return mul(expandDims(a, 1), expandDims(b, 0));
}
