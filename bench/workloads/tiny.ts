/** W5: one tiny op per iteration, so the figure is the per-op overhead (dispatch, allocation). */
import * as gn from "../../src/index.js";
import type { TinyParams } from "../cases.js";
import { normals } from "../data.js";
import type { Prepared } from "../engine.js";

/** Builds one W5 case: add on n elements or an n x n matmul per iteration. */
export function tiny(p: TinyParams): Prepared {
  const shape = p.op === "add" ? [p.n] : [p.n, p.n];
  const size = shape.reduce((a, b) => a * b, 1);
  const a = gn.tensor(normals(21, size), { shape });
  const b = gn.tensor(normals(22, size), { shape });
  const op = p.op === "add" ? () => a.add(b) : () => gn.matmul(a, b);
  return {
    step: (iters) => {
      for (let i = 0; i < iters; i++) op().dispose();
    },
  };
}
