/**
 * Derivative checks for any function, as in JAX's check_grads and PyTorch's gradcheck/gradgradcheck:
 * forward mode against central finite differences along random directions, reverse mode against the
 * same differences through the dot-product identity <u, J v> = <J^T u, v>, and both modes against
 * each other. Higher orders apply the same checks to the derivative functions themselves.
 */
import { isFloat } from "../core/dtype.js";
import { GradnavError } from "../core/errors.js";

import { treeLeaves, treeUnflatten } from "../core/tree.js";
import { add, cast, mul } from "../ops/elementwise.js";
import { sum } from "../ops/reduce.js";
import * as random from "../random/index.js";
import { jvp, vjp } from "../transforms/autodiff.js";

export type Mode = "fwd" | "rev";

export interface CheckGradsOptions {
  /** Highest derivative order to check (default 2). */
  order?: number;
  /** Modes to check (default both). */
  modes?: Mode[];
  /** Finite-difference step (default 1e-5; the function is evaluated in float64). */
  eps?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Seed for the random directions (default 0). */
  seed?: number;
  /** Indices of the arguments to differentiate (default: all float arguments). */
  wrt?: number[];
}

/** Thrown by `checkGrads` when a derivative disagrees with its check; says which order, mode and how far. */
export class GradCheckError extends GradnavError {}

type Fn = (...args: any[]) => unknown;

function toF64(x: unknown): unknown {
  return treeUnflatten(x, treeLeaves(x).map((t) => (t.dtype === "float32" ? cast(t, "float64") : t)));
}

function flatValues(tree: unknown): number[] {
  const out: number[] = [];
  for (const t of treeLeaves(tree)) for (const v of t.toTypedArray()) out.push(v);
  return out;
}

function vdot(a: unknown, b: unknown): number {
  const la = treeLeaves(a);
  const lb = treeLeaves(b);
  let s = 0;
  for (let i = 0; i < la.length; i++) s += sum(mul(cast(la[i], "float64"), cast(lb[i], "float64"))).item();
  return s;
}

function close(a: number, b: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  return Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b));
}

function compareVectors(what: string, got: number[], want: number[], rtol: number, atol: number): void {
  for (let i = 0; i < got.length; i++)
    if (!close(got[i], want[i], rtol, atol))
      throw new GradCheckError(`${what}: element ${i} is ${got[i]} but finite differences give ${want[i]} (rtol ${rtol}, atol ${atol})`);
}

function randomLike(tree: unknown, key: random.Key): unknown {
  const leaves = treeLeaves(tree);
  const keys = random.split(key, Math.max(1, leaves.length));
  return treeUnflatten(tree, leaves.map((t, i) => random.normal(keys[i], t.shape, { dtype: "float64" })));
}

function axpy(x: unknown, v: unknown, s: number): unknown {
  const lx = treeLeaves(x);
  const lv = treeLeaves(v);
  return treeUnflatten(x, lx.map((t, i) => add(t, mul(lv[i], s))));
}

/**
 * Checks `f`'s derivatives at `args` up to `order`, in the given modes, and throws a GradCheckError
 * naming the failing order and mode. Inputs are cast to float64 for the check. Returns the number of
 * checks made.
 *
 * @example
 * gn.checkGrads((x) => x.tanh().sum(), [gn.tensor([0.3, -1.2], { dtype: "float64" })], { order: 2 });
 */
export function checkGrads(f: Fn, args: unknown[], opts: CheckGradsOptions = {}): number {
  const order = opts.order ?? 2;
  const modes = opts.modes ?? ["fwd", "rev"];
  const eps = opts.eps ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  const atol = opts.atol ?? 1e-5;
  const xs = args.map(toF64);
  const wrt = opts.wrt ?? xs.map((_, i) => i).filter((i) => treeLeaves(xs[i]).length > 0 && treeLeaves(xs[i]).every((t) => isFloat(t.dtype)));
  let count = 0;
  let key = random.key(opts.seed ?? 0);

  // Differentiate only the arguments in wrt; the others are closed over.
  const restrict = (g: Fn) => (...sel: unknown[]) => {
    const full = [...xs];
    wrt.forEach((a, k) => (full[a] = sel[k]));
    return g(...full);
  };
  const primals = wrt.map((i) => xs[i]);

  const check = (g: Fn, ps: unknown[], k: number, path: string): void => {
    const [k1, k2, k3, k4] = random.split(key, 4);
    key = k4;
    const v = ps.map((p, i) => randomLike(p, random.foldIn(k1, i)));
    const fd = (): unknown[] => {
      const plus = flatValues(g(...ps.map((p, i) => axpy(p, v[i], eps))));
      const minus = flatValues(g(...ps.map((p, i) => axpy(p, v[i], -eps))));
      return plus.map((p, i) => (p - minus[i]) / (2 * eps));
    };
    const numeric = fd() as number[];
    if (modes.includes("fwd")) {
      const [, t] = jvp(g, ps, v);
      compareVectors(`checkGrads: order ${k} forward mode${path}`, flatValues(t), numeric, rtol, atol);
      count++;
    }
    if (modes.includes("rev")) {
      const [out, pullback] = vjp(g, ...ps);
      const u = randomLike(out, k2);
      const ct = pullback(u);
      const lhs = ps.reduce((acc: number, _p, i) => acc + vdot(ct[i], v[i]), 0);
      const uFlat = flatValues(u);
      const rhs = uFlat.reduce((acc, ui, i) => acc + ui * numeric[i], 0);
      if (!close(lhs, rhs, rtol, atol * Math.max(1, uFlat.length)))
        throw new GradCheckError(`checkGrads: order ${k} reverse mode${path}: <J^T u, v> = ${lhs} but finite differences give <u, J v> = ${rhs} (rtol ${rtol})`);
      count++;
    }
    if (k >= order) return;
    if (modes.includes("fwd")) {
      const tangentFn = (...qs: unknown[]) => jvp(g, qs, v)[1];
      check(tangentFn, ps, k + 1, `${path} of the forward derivative`);
    }
    if (modes.includes("rev")) {
      const [out] = vjp(g, ...ps);
      const u = randomLike(out, k3);
      const cotangentFn = (...qs: unknown[]) => vjp(g, ...qs)[1](u);
      check(cotangentFn, ps, k + 1, `${path} of the reverse derivative`);
    }
  };
  check(restrict(f), primals, 1, "");
  return count;
}

