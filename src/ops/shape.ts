/** Ops that change a tensor's shape or move its data: reshape, transpose, slicing, padding, joining. */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import { broadcastShapes, normalizeAxes, normalizeAxis, shapesEqual, sizeOf } from "../core/shape.js";
import type { Tensor } from "../core/tensor.js";
import { bind } from "../engine/trace.js";
import type { AxisArg } from "./reduce.js";
import { cast } from "./elementwise.js";
import { promoteTypes } from "../core/dtype.js";

/**
 * Gives x a new shape with the same number of elements; one entry may be -1 (inferred).
 * @example gn.arange(6).reshape([2, -1]).shape // [2, 3]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free >= 0) {
    if (s.indexOf(-1, free + 1) >= 0) throw new ShapeError(`reshape: only one dimension may be -1, got ${fmtShape(shape)}`);
    const known = sizeOf(s.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0)
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
    s[free] = x.size / known;
  }
  if (s.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError(`reshape: invalid shape ${fmtShape(shape)}`);
  if (shapesEqual(s, x.shape)) return x;
  return bind("reshape", [x], { shape: s });
}

/** Permutes the axes (default: reverses them). @example gn.zeros([2, 3, 4]).transpose([2, 0, 1]).shape // [4, 2, 3] */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => normalizeAxis("transpose", a, x.ndim)) : x.shape.map((_, i) => x.ndim - 1 - i);
  if (p.every((a, i) => a === i) && p.length === x.ndim) return x;
  return bind("transpose", [x], { perm: p });
}

/** Swaps two axes. @example gn.swapAxes(gn.zeros([2, 3, 4]), 0, 2).shape // [4, 3, 2] */
export function swapAxes(x: Tensor, a: number, b: number): Tensor {
  const p = x.shape.map((_, i) => i);
  const i = normalizeAxis("swapAxes", a, x.ndim);
  const j = normalizeAxis("swapAxes", b, x.ndim);
  [p[i], p[j]] = [p[j], p[i]];
  return transpose(x, p);
}

/** Moves axis `from` to position `to`, keeping the order of the others. @example gn.moveAxis(gn.zeros([2, 3, 4]), 0, -1).shape // [3, 4, 2] */
export function moveAxis(x: Tensor, from: number, to: number): Tensor {
  const f = normalizeAxis("moveAxis", from, x.ndim);
  const t = normalizeAxis("moveAxis", to, x.ndim);
  const p = x.shape.map((_, i) => i).filter((i) => i !== f);
  p.splice(t, 0, f);
  return transpose(x, p);
}

/** Inserts a size-1 axis at `axis`. @example gn.zeros([3]).expandDims(0).shape // [1, 3] */
export function expandDims(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis("expandDims", axis, x.ndim + 1);
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** Removes size-1 axes (all of them when `axes` is undefined). @example gn.zeros([1, 3, 1]).squeeze().shape // [3] */
export function squeeze(x: Tensor, axes?: AxisArg): Tensor {
  const ax = axes === undefined || axes === null ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : normalizeAxes("squeeze", axes, x.ndim);
  for (const a of ax) if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => !ax.includes(i)));
}

/** Broadcasts x to `shape` (NumPy rules). @example gn.tensor([1, 2]).broadcastTo([2, 2]) // [[1, 2], [1, 2]] */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  return bind("broadcastTo", [x], { shape: [...shape] });
}

/** Broadcasts several tensors against each other. @example const [a, b] = gn.broadcastArrays(x, y) */
export function broadcastArrays(...xs: Tensor[]): Tensor[] {
  const shape = broadcastShapes("broadcastArrays", ...xs.map((x) => x.shape));
  return xs.map((x) => broadcastTo(x, shape));
}

/** @internal Sums a broadcast cotangent back to `shape` (the transpose of broadcastTo). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? bind("sum", [g], { axes, keepdims: false }) : g;
  return reshape(s, shape);
}

/** @internal Swaps the last two axes (matrix transpose over a batch). */
export function swapLastAxes(x: Tensor): Tensor {
  const p = x.shape.map((_, i) => i);
  const n = p.length;
  [p[n - 2], p[n - 1]] = [p[n - 1], p[n - 2]];
  return bind("transpose", [x], { perm: p });
}

/**
 * NumPy-style slicing: per axis a start, an end (exclusive; null = to the end) and a step (may be
 * negative). Missing trailing axes are taken whole; negative starts/ends count from the end and are
 * clamped to the axis, as in Python.
 * @example gn.arange(10).slice([2], [8], [2]) // [2, 4, 6]
 * @example gn.arange(5).slice([4], [null], [-1]) // [4, 3, 2, 1, 0]
 */
export function slice(x: Tensor, begin: readonly number[], end?: readonly (number | null)[], step?: readonly number[]): Tensor {
  if (begin.length > x.ndim) throw new ShapeError(`slice: ${begin.length} starts given for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)})`);
  const b: number[] = [];
  const st: number[] = [];
  const size: number[] = [];
  const flipAxes: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    const n = x.shape[i];
    const s = step?.[i] ?? 1;
    if (!Number.isInteger(s) || s === 0) throw new ValueError(`slice: step must be a nonzero integer, got ${s} for axis ${i}`);
    let lo = begin[i] ?? (s > 0 ? 0 : n - 1);
    let hi = end?.[i] ?? null;
    if (s > 0) {
      lo = clampIndex(lo, n, 0, n);
      const h = hi === null ? n : clampIndex(hi, n, 0, n);
      const count = Math.max(0, Math.ceil((h - lo) / s));
      b.push(lo);
      st.push(s);
      size.push(count);
    } else {
      // A negative step is a positive-step slice of the flipped axis.
      lo = clampIndex(lo, n, -1, n - 1);
      const h = hi === null ? -1 : clampIndex(hi, n, -1, n - 1);
      const count = Math.max(0, Math.ceil((lo - h) / -s));
      b.push(n - 1 - lo);
      st.push(-s);
      size.push(count);
      flipAxes.push(i);
    }
  }
  const src = flipAxes.length ? flip(x, flipAxes) : x;
  if (size.every((d, i) => d === x.shape[i]) && st.every((s) => s === 1)) return src;
  return bind("slice", [src], { begin: b.map((v, i) => (size[i] === 0 ? 0 : v)), step: st, size });
}

function clampIndex(i: number, n: number, lo: number, hi: number): number {
  if (!Number.isInteger(i)) throw new ValueError(`slice: indices must be integers, got ${i}`);
  const v = i < 0 ? i + n : i;
  return Math.min(Math.max(v, lo), hi);
}

/** Pad widths: one number for every side of every axis, or [before, after] per axis. */
export type PadWidth = number | readonly (readonly [number, number])[];

/**
 * Pads with a constant `value` (default 0). Widths follow NumPy: a number, or [before, after] per axis.
 * @example gn.tensor([1, 2]).pad([[1, 2]]) // [0, 1, 2, 0, 0]
 */
export function pad(x: Tensor, widths: PadWidth, value = 0): Tensor {
  const w = typeof widths === "number" ? x.shape.map((): [number, number] => [widths, widths]) : widths;
  if (w.length !== x.ndim) throw new ShapeError(`pad: ${w.length} (before, after) pairs given for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)})`);
  const lo = w.map((p) => p[0]);
  const hi = w.map((p) => p[1]);
  if (lo.every((v) => v === 0) && hi.every((v) => v === 0)) return x;
  return bind("pad", [x], { lo, hi, interior: x.shape.map(() => 0), value });
}

/**
 * Joins tensors along an existing axis (dtypes are promoted).
 * @example gn.concat([gn.zeros([2, 3]), gn.ones([1, 3])], 0).shape // [3, 3]
 */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ValueError("concat: needs at least one tensor");
  if (xs.length === 1) return xs[0];
  const a = normalizeAxis("concat", axis, xs[0].ndim);
  let dtype = xs[0].dtype;
  for (const x of xs) dtype = promoteTypes(dtype, x.dtype);
  return bind("concat", xs.map((x) => cast(x, dtype)), { axis: a });
}

/** Joins tensors of one shape along a new axis. @example gn.stack([gn.zeros([3]), gn.ones([3])]).shape // [2, 3] */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ValueError("stack: needs at least one tensor");
  const a = normalizeAxis("stack", axis, xs[0].ndim + 1);
  xs.forEach((x, i) => {
    if (!shapesEqual(x.shape, xs[0].shape)) throw new ShapeError(`stack: argument ${i} has shape ${fmtShape(x.shape)} but argument 0 has ${fmtShape(xs[0].shape)}`);
  });
  return concat(xs.map((x) => expandDims(x, a)), a);
}

/**
 * Splits along `axis` into `sections` equal parts, or at the given indices (NumPy's split).
 * @example gn.split(gn.arange(6), 3).map((t) => t.toArray()) // [[0, 1], [2, 3], [4, 5]]
 */
export function split(x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis("split", axis, x.ndim);
  const n = x.shape[a];
  let cuts: number[];
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections <= 0 || n % sections !== 0)
      throw new ShapeError(`split: axis ${a} of ${fmtShape(x.shape)} (size ${n}) cannot be split into ${sections} equal parts`);
    cuts = Array.from({ length: sections - 1 }, (_, i) => ((i + 1) * n) / sections);
  } else cuts = [...sections];
  const bounds = [0, ...cuts, n];
  const out: Tensor[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const begin = x.shape.map((_, j) => (j === a ? bounds[i] : 0));
    const end = x.shape.map((d, j) => (j === a ? bounds[i + 1] : d));
    out.push(slice(x, begin, end));
  }
  return out;
}

/** Reverses the order of elements along axes (all when undefined). @example gn.tensor([1, 2, 3]).flip() // [3, 2, 1] */
export function flip(x: Tensor, axes?: AxisArg): Tensor {
  const ax = normalizeAxes("flip", axes, x.ndim);
  if (ax.length === 0) return x;
  return bind("flip", [x], { axes: ax });
}

/**
 * Repeats x `reps[i]` times along each axis (NumPy's tile).
 * @example gn.tensor([1, 2]).tile([2]) // [1, 2, 1, 2]
 */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  if (reps.some((r) => !Number.isInteger(r) || r < 0)) throw new ValueError(`tile: reps must be integers >= 0, got [${reps.join(", ")}]`);
  const rank = Math.max(x.ndim, reps.length);
  const shape = [...Array(rank - x.ndim).fill(1), ...x.shape];
  const r = [...Array(rank - reps.length).fill(1), ...reps];
  // Interleave a size-1 axis before each axis, broadcast it to the repeat count, then merge.
  const inter: number[] = [];
  const target: number[] = [];
  for (let i = 0; i < rank; i++) {
    inter.push(1, shape[i]);
    target.push(r[i], shape[i]);
  }
  const y = broadcastTo(reshape(x, inter), target);
  return reshape(y, shape.map((d, i) => d * r[i]));
}
