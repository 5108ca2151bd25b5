/** Issue 2's elementwise micro benches: one op on 1M float32 elements per iteration. */
import * as gn from "../../src/index.js";
import type { ElementwiseParams } from "../cases.js";
import { uniforms } from "../data.js";
import type { Prepared } from "../engine.js";

/** Builds one elementwise case: `op` on two fixed uniform(-2, 2) vectors per iteration. */
export function elementwise(p: ElementwiseParams): Prepared {
  const x = gn.tensor(uniforms(1, p.n, -2, 2));
  const y = gn.tensor(uniforms(2, p.n, -2, 2));
  const op: () => gn.Tensor = { add: () => x.add(y), mul: () => x.mul(y), exp: () => x.exp(), tanh: () => x.tanh() }[p.op];
  return {
    step: (iters) => {
      for (let i = 0; i < iters; i++) op().dispose();
    },
  };
}
