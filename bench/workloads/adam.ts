/**
 * A minimal Adam loop for the hand-written training workloads (W2, W3), measuring the same arithmetic
 * as the peers' Adam: m and v moments and a bias-corrected step size,
 * p <- p - lr_t m / (sqrt(v) + eps), with lr_t = lr sqrt(1 - b2^t) / (1 - b1^t) (the jax-js peer's and
 * TF.js's form; PyTorch scales eps by sqrt(1 - b2^t), the same work per element).
 *
 * The per-leaf arithmetic is gn.optim.adamLeafUpdate (one fused pass on backends that offer it, else
 * plain ops with their temporaries freed) given bc2Sqrt = 1 and stepScale = -lr_t, which is exactly
 * the formula above. The loop owns every tensor here, so it frees what each step replaces: the old
 * parameters and moments, the gradients and the updates. A user's eager loop should do the same on
 * the wasm backend, whose heap the garbage collector cannot see inside a synchronous loop.
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

/** One Adam step: returns the new parameters and state; the old parameters, moments and `grads` are disposed. */
export function adamUpdate(params: readonly gn.Tensor[], grads: readonly gn.Tensor[], s: AdamState): { params: gn.Tensor[]; state: AdamState } {
  const t = s.t + 1;
  const lrT = (ADAM.lr * Math.sqrt(1 - ADAM.b2 ** t)) / (1 - ADAM.b1 ** t);
  const c = { b1: ADAM.b1, b2: ADAM.b2, eps: ADAM.eps, stepScale: -lrT, bc2Sqrt: 1, l2: 0, decoupled: 0 };
  const next: gn.Tensor[] = [];
  const m: gn.Tensor[] = [];
  const v: gn.Tensor[] = [];
  params.forEach((p, i) => {
    const [u, mi, vi] = gn.optim.adamLeafUpdate(grads[i], null, s.m[i], s.v[i], null, c);
    next.push(p.add(u));
    m.push(mi);
    v.push(vi);
    for (const x of [u, p, grads[i], s.m[i], s.v[i]]) x.dispose();
  });
  return { params: next, state: { t, m, v } };
}
