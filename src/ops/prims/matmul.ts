import { ShapeError, fmtShape } from "../../core/errors.js";
import type { DifferentiablePrimitive } from "../../engine/primitive.js";
import * as o from "../index.js";
import { requireFloat, sameDType } from "./util.js";

type NoParams = Record<string, never>;

/** [...B, m, k] @ [...B, k, n] -> [...B, m, n], with equal batch dims (the public `matmul` broadcasts them). */
export const matmul: DifferentiablePrimitive<NoParams> = {
  name: "matmul",
  differentiable: true,
  infer: ([a, b]) => {
    const dtype = sameDType("matmul", [a, b]);
    requireFloat("matmul", a);
    const ra = a.shape.length;
    const rb = b.shape.length;
    let ok = ra >= 2 && ra === rb && a.shape[ra - 1] === b.shape[rb - 2];
    for (let i = 0; ok && i < ra - 2; i++) ok = a.shape[i] === b.shape[i];
    if (!ok)
      throw new ShapeError(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)} (inner sizes ${a.shape[ra - 1]} and ${b.shape[rb - 2]} must match)`);
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
    needs[0] ? o.matmulPrim(g, o.swapLastAxes(b)) : null,
    needs[1] ? o.matmulPrim(o.swapLastAxes(a), g) : null,
  ],
  samples: [
    { args: [{ shape: [2, 3] }, { shape: [3, 4] }], params: {} },
    { label: "batched", args: [{ shape: [2, 2, 3] }, { shape: [2, 3, 2] }], params: {} },
    { label: "vector-like", args: [{ shape: [1, 3] }, { shape: [3, 1] }], params: {} },
  ],
};
