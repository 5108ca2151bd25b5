/**
 * A minimal Adam written with gn ops, for the training workloads (W2, W3). gradnav's optimizer
 * library (src/optim) is being written separately; the benchmark keeps this small update so its
 * figures measure the same arithmetic as the peers' Adam: m and v moments and a bias-corrected
 * step size, p <- p - lr_t m / (sqrt(v) + eps), with lr_t = lr sqrt(1 - b2^t) / (1 - b1^t).
 */
import * as gn from "../../src/index.js";
import { ADAM } from "../cases.js";

export interface AdamState {
  t: number;
  m: gn.Tensor[];
  v: gn.Tensor[];
}

/** Zero moments for a list of parameters. */
export function adamInit(params: readonly gn.Tensor[]): AdamState {
  return { t: 0, m: params.map((p) => gn.zerosLike(p)), v: params.map((p) => gn.zerosLike(p)) };
}

/** One Adam step: returns the new parameters and state (the old tensors are disposed). */
export function adamUpdate(params: readonly gn.Tensor[], grads: readonly gn.Tensor[], s: AdamState): { params: gn.Tensor[]; state: AdamState } {
  const t = s.t + 1;
  const lrT = (ADAM.lr * Math.sqrt(1 - ADAM.b2 ** t)) / (1 - ADAM.b1 ** t);
  const m = s.m.map((mi, i) => mi.mul(ADAM.b1).add(grads[i].mul(1 - ADAM.b1)));
  const v = s.v.map((vi, i) => vi.mul(ADAM.b2).add(grads[i].square().mul(1 - ADAM.b2)));
  const next = params.map((p, i) => p.sub(m[i].mul(lrT).div(v[i].sqrt().add(ADAM.eps))));
  for (const x of [...params, ...s.m, ...s.v]) x.dispose();
  return { params: next, state: { t, m, v } };
}
