/** W1 products of other shapes: the matrix products inside W2 and W3, transposed operands included. */
import * as gn from "../../src/index.js";
import type { GemmParams } from "../cases.js";
import { normals } from "../data.js";
import type { Prepared } from "../engine.js";

/**
 * Builds C[m, n] = op(A) op(B) with op(X) = X or X^T. A transposed operand is the transpose of a
 * stored matrix, taken once before timing, as autodiff produces it for a product's gradients
 * (x^T g, g W^T); backends that read transposes in place (wasm) show it here.
 */
export function gemm(p: GemmParams): Prepared {
  const a0 = gn.tensor(normals(13, p.m * p.k), { shape: p.a === "t" ? [p.k, p.m] : [p.m, p.k] });
  const b0 = gn.tensor(normals(14, p.k * p.n), { shape: p.b === "t" ? [p.n, p.k] : [p.k, p.n] });
  const a = p.a === "t" ? a0.T : a0;
  const b = p.b === "t" ? b0.T : b0;
  return {
    step: (iters) => {
      for (let i = 0; i < iters; i++) gn.matmul(a, b).dispose();
    },
  };
}
