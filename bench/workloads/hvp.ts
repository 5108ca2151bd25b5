/**
 * W4: Hessian-vector products of the L2-regularised logistic loss
 * L(w) = mean(softplus(X w) - y X w) + l2 ||w||^2, one gn.hvp (forward over reverse) per iteration.
 */
import * as gn from "../../src/index.js";
import type { HvpParams } from "../cases.js";
import { logregData } from "../data.js";
import type { Prepared } from "../engine.js";

/** Builds W4 on the current backend: one HVP at fixed w along fixed v per iteration. */
export function hvp(p: HvpParams): Prepared {
  const d = logregData(p.rows, p.cols);
  const X = gn.tensor(d.X, { shape: [p.rows, p.cols] });
  const y = gn.tensor(d.y);
  const w = gn.tensor(d.w);
  const v = gn.tensor(d.v);
  const loss = (w: gn.Tensor): gn.Tensor => {
    const z = gn.matmul(X, w);
    return gn.softplus(z).sub(y.mul(z)).mean().add(w.square().sum().mul(p.l2));
  };
  return {
    step: (iters) => {
      for (let i = 0; i < iters; i++) for (const t of gn.treeLeaves(gn.hvp(loss, [w], [v]))) t.dispose();
    },
  };
}
