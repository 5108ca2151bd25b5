/**
 * Fused optimizer steps: one backend call per parameter instead of a dozen ops, where the backend
 * offers one (the wasm and native backends do), and the trace recorder's norms. Callers try these
 * first and run their own math when they return null (tracers, mixed backends or dtypes, or a backend
 * without the capability).
 */
import type { AdamConstants } from "./backend.js";
import { Tensor } from "../core/tensor.js";
import { shapesEqual } from "../core/shape.js";
import { getBackend } from "./registry.js";

function concreteOn(x: Tensor | null, ref: Tensor): boolean {
  return x === null || (x._trace === null && x._backend === ref._backend && x.dtype === ref.dtype && shapesEqual(x.shape, ref.shape));
}

/**
 * Adam's per-leaf step (src/optim/adam.ts `adamLeafUpdate`) fused into one pass: returns
 * [update, m, v, vmax] or null when the fused path does not apply.
 *
 * @example
 * const r = fusedAdamLeaf(g, null, m, v, null, { b1: 0.9, b2: 0.999, eps: 1e-8, stepScale: -1e-3, bc2Sqrt: 0.03, l2: 0, decoupled: 0 });
 * const [u, m1, v1] = r ?? adamLeafUpdate(g, null, m, v, null, c);
 */
export function fusedAdamLeaf(g: Tensor, p: Tensor | null, m: Tensor, v: Tensor, vmax: Tensor | null, c: AdamConstants): [Tensor, Tensor, Tensor, Tensor | null] | null {
  const b = g._backend;
  if (g._trace !== null || b === null || b !== getBackend() || b.fusedAdam === undefined) return null;
  if (!concreteOn(p, g) || !concreteOn(m, g) || !concreteOn(v, g) || !concreteOn(vmax, g)) return null;
  const r = b.fusedAdam(g._data, p?._data ?? null, m._data, v._data, vmax?._data ?? null, g.dtype, g.size, c);
  if (r === null) return null;
  const t = (s: unknown) => new Tensor(g.shape, g.dtype, s, b);
  return [t(r.update), t(r.m), t(r.v), r.vmax === null ? null : t(r.vmax)];
}

/**
 * [a.a, b.b, a.b] of two tensors of the same dtype and size in one pass, or null when the backend has
 * no fused kernel for it (or a is a tracer, or they differ in backend or dtype).
 *
 * @example
 * const [aa, bb, ab] = fusedNormsAndDot(g, u) ?? [dot(g, g), dot(u, u), dot(g, u)];
 */
export function fusedNormsAndDot(a: Tensor, b: Tensor): [number, number, number] | null {
  const be = a._backend;
  if (a._trace !== null || b._trace !== null || be === null || be !== b._backend || be.normsAndDot === undefined) return null;
  if (a.dtype !== b.dtype || a.size !== b.size) return null;
  return be.normsAndDot(a._data, b._data, a.dtype, a.size);
}
