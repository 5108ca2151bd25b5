/**
 * Memory release by transforms. While the outermost `grad`/`valueAndGrad`/`jvp`/`hvp` runs, every
 * concrete tensor made by a traced computation (inside a transform's `process`, or by a backward
 * sweep) is recorded; when the transform returns, those not among its results are disposed at once.
 * On the wasm backend that returns their heap blocks without waiting for the garbage collector, which
 * keeps a training loop's memory flat even when it never yields to the event loop.
 *
 * What is not recorded: tensors the user's function makes from concrete values only (constants,
 * caches), and anything made outside a transform. (Library ops record their own temporaries made from
 * constants, such as a view of the labels, with `temporary`.) Those are freed when collected, or by dispose().
 * A tensor computed from a traced value and smuggled out of the function (not returned) is disposed
 * with the rest; returning it (as the value or aux) keeps it.
 */
import type { Tensor } from "../core/tensor.js";
import { treeLeaves } from "../core/tree.js";

/** > 0 while a transform processes an op or runs a backward sweep. */
let tracedDepth = 0;
/** The outermost transform's record, or null when no transform runs. */
let record: Tensor[] | null = null;

/** Traces whose function is still running (a pullback of a returned vjp may still need their tapes). */
let openTraces = 0;

/** @internal */
export function traceOpened(): void {
  openTraces++;
}
/** @internal */
export function traceClosed(): void {
  openTraces--;
}

/** @internal Called by the engine for each concrete tensor it makes. */
export function noteCreated(t: Tensor): void {
  if (tracedDepth > 0 && record !== null) record.push(t);
}

/** @internal Runs f as traced work (its concrete results are the transform's intermediates). */
export function traced<T>(f: () => T): T {
  tracedDepth++;
  try {
    return f();
  } finally {
    tracedDepth--;
  }
}

/**
 * @internal Records t, a temporary that an op makes from concrete values (a view of the labels, a
 * constant filter, a window index), as an intermediate of the running transform, so that the outermost
 * one frees it on return (such values are not recorded by themselves, and a view would keep its base's
 * storage until collected). Returns t. Outside transforms it does nothing: there the op frees its
 * temporaries itself once no tape can hold them.
 */
export function temporary<T extends Tensor>(t: T): T {
  if (record !== null && t._trace === null) record.push(t);
  return t;
}

/** @internal Enters a traced region (pair with leaveTraced in a finally). */
export function enterTraced(): void {
  tracedDepth++;
}
/** @internal */
export function leaveTraced(): void {
  tracedDepth--;
}

/**
 * @internal Runs a transform: if it is the outermost one (no other transform's function is running),
 * disposes the intermediates it recorded
 * except the tensors in `result(out)` (and the arguments). Nested transforms leave the release to the
 * outermost one, whose backward sweep may still need their values.
 */
export function releasing<T>(body: () => T, keep: (out: T) => unknown): T {
  // Only the outermost transform releases: inside another one (even through a closure over its
  // tracers), tensors made here may be on that transform's tape.
  if (record !== null || openTraces > 0) return body();
  const mine: Tensor[] = [];
  record = mine;
  let out: T;
  try {
    out = body();
  } catch (e) {
    record = null;
    for (const t of mine) t.dispose();
    throw e;
  }
  record = null;
  if (mine.length === 0) return out;
  const keptLeaves = treeLeaves(keep(out));
  if (keptLeaves.length <= 8) {
    // Few results (the usual case): a linear scan costs less than building a Set.
    for (const t of mine) if (!keptLeaves.includes(t)) t.dispose();
    return out;
  }
  const kept = new Set<Tensor>(keptLeaves);
  for (const t of mine) if (!kept.has(t)) t.dispose();
  return out;
}
