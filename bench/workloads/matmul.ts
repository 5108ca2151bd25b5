/** W1: a square float32 matmul per iteration (2 n^3 FLOPs). */
import * as gn from "../../src/index.js";
import type { MatmulParams } from "../cases.js";
import { normals } from "../data.js";
import type { Prepared } from "../engine.js";

/** Builds W1 at size n on the current backend. */
export function matmul(p: MatmulParams): Prepared {
  const a = gn.tensor(normals(11, p.n * p.n), { shape: [p.n, p.n] });
  const b = gn.tensor(normals(12, p.n * p.n), { shape: [p.n, p.n] });
  return {
    step: (iters) => {
      for (let i = 0; i < iters; i++) gn.matmul(a, b).dispose();
    },
  };
}
