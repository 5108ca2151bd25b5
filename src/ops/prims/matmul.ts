import { ShapeError, fmtShape } from "../../core/errors.js";
import type { DifferentiablePrimitive } from "../../engine/primitive.js";
import * as o from "../index.js";
import { requireFloat, sameDType } from "./util.js";

type NoParams = Record<string, never>;

/**
 * [...B, m, k] @ [...B, k, n] -> [...B, m, n], with equal batch dims (the public `matmul` broadcasts
 * them); and the matrix-vector product [...B, m, k] @ [...B, k] -> [...B, m]. The vector form has the
 * memory layout of n = 1, so kernels treat it as such; it exists so that A v and its derivatives
 * (A^T g, A dv) need no reshapes around them: W4's Hessian-vector product made 8 of its 55 ops so.
 */
export const matmul: DifferentiablePrimitive<NoParams> = {
  name: "matmul",
  differentiable: true,
  infer: ([a, b]) => {
    const dtype = sameDType("matmul", [a, b]);
    requireFloat("matmul", a);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const vector = rb === ra - 1;
    const fail = (why: string) => new ShapeError(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}: ${why}`);
    if (ra < 2 || (ra !== rb && !vector)) throw fail(`needs [...B, m, k] and [...B, k, n] or [...B, k] (ranks ${ra} and ${rb})`);
    const inner = b.shape[vector ? rb - 1 : rb - 2];
    if (a.shape[ra - 1] !== inner) throw fail(`inner sizes ${a.shape[ra - 1]} and ${inner} differ`);
    for (let i = 0; i < ra - 2; i++)
      if (a.shape[i] !== b.shape[i]) throw fail(`batch axes ${fmtShape(a.shape.slice(0, ra - 2))} and ${fmtShape(b.shape.slice(0, ra - 2))} differ (the public matmul broadcasts them)`);
    if (vector) return { shape: a.shape.slice(0, ra - 1), dtype };
    const shape = a.shape.slice();
    shape[ra - 1] = b.shape[rb - 1];
    return { shape, dtype };
  },
  jvp: ([a, b], [ta, tb]) => {
    const x = ta && o.matmulPrim(ta, b);
    const y = tb && o.matmulPrim(a, tb);
    return x && y ? o.add(x, y) : x ?? y;
  },
  vjp: (g, [a, b], _p, _o, needs) => [
    // For A v the gradient of A is the outer product g v^T (per batch element).
    needs[0] ? (b.ndim < a.ndim ? o.matmulPrim(o.expandDims(g, -1), o.expandDims(b, -2)) : o.matmulPrim(g, o.swapLastAxes(b))) : null,
    needs[1] ? o.matmulPrim(o.swapLastAxes(a), g) : null,
  ],
  samples: [
    { args: [{ shape: [2, 3] }, { shape: [3, 4] }], params: {} },
    { label: "batched", args: [{ shape: [2, 2, 3] }, { shape: [2, 3, 2] }], params: {} },
    { label: "vector-like", args: [{ shape: [1, 3] }, { shape: [3, 1] }], params: {} },
    { label: "matrix-vector", args: [{ shape: [4, 3] }, { shape: [3] }], params: {} },
    { label: "batched matrix-vector", args: [{ shape: [2, 3, 2] }, { shape: [2, 2] }], params: {} },
  ],
};
