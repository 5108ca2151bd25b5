import { ShapeError, ValueError, fmtShape } from "./errors.js";

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Row-major strides of `shape` seen as broadcast to `outShape` (0 along broadcast axes). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const s = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : s[i - off]));
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of several shapes; the error names the op and every shape. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  let rank = 0;
  for (const s of shapes) rank = Math.max(rank, s.length);
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const off = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i];
      const o = out[off + i];
      if (o === d || d === 1) continue;
      if (o === 1) out[off + i] = d;
      else
        throw new ShapeError(
          `${op}: shapes ${shapes.map(fmtShape).join(" and ")} cannot be broadcast together ` +
            `(axis ${i - s.length} has sizes ${o} and ${d}; sizes must match or be 1)`,
        );
    }
  }
  return out;
}

/** Normalises an axis (negative counts from the end) and checks its range. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (axis >= 0 && axis < rank && (axis | 0) === axis) return axis; // fast path: already normalised
  if (!Number.isInteger(axis)) throw new ValueError(`${op}: axis must be an integer, got ${axis}`);
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw new ShapeError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/** Normalises `axes` (undefined = all axes), sorted, without duplicates. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axes === undefined || axes === null) {
    const all = new Array<number>(rank);
    for (let i = 0; i < rank; i++) all[i] = i;
    return all;
  }
  const list = typeof axes === "number" ? [axes] : axes;
  const out = new Array<number>(list.length);
  let ascending = true; // already sorted and distinct (the common case, and every primitive's params): no sort
  for (let i = 0; i < list.length; i++) {
    out[i] = normalizeAxis(op, list[i], rank);
    if (i > 0 && out[i] <= out[i - 1]) ascending = false;
  }
  if (ascending) return out;
  out.sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++)
    if (out[i] === out[i - 1]) throw new ValueError(`${op}: axis ${out[i]} appears twice in axes [${list.join(", ")}]`);
  return out;
}

/** The shape after reducing `axes`, keeping them as size-1 axes when `keepdims`. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

/**
 * How the C kernels reduce `axes` (sorted, distinct) of `shape`: adjacent reduced axes form one
 * [outer, red, inner] pass, and the passes run from the last block to the first, each on the
 * previous pass's output (whose reduced axes have size 1). Each pass writes outer * inner elements.
 * Returned flat, [outer, red, inner] per pass in order: it runs on every reduction op.
 */
export function reductionPasses(shape: Shape, axes: readonly number[]): number[] {
  const blocks: number[] = []; // [first, last] pairs of adjacent reduced axes
  for (const a of axes) {
    const nb = blocks.length;
    if (nb > 0 && blocks[nb - 1] === a - 1) blocks[nb - 1] = a;
    else blocks.push(a, a);
  }
  const dims = shape.slice();
  const passes: number[] = [];
  for (let b = blocks.length - 2; b >= 0; b -= 2) {
    const first = blocks[b];
    const last = blocks[b + 1];
    let outer = 1;
    let red = 1;
    let inner = 1;
    for (let i = 0; i < first; i++) outer *= dims[i];
    for (let i = first; i <= last; i++) red *= dims[i];
    for (let i = last + 1; i < dims.length; i++) inner *= dims[i];
    for (let i = first; i <= last; i++) dims[i] = 1;
    passes.push(outer, red, inner);
  }
  return passes;
}

/**
 * The geometry of the matmul primitive's operands: [...B, m, k] @ [...B, k, n], or the matrix-vector
 * form [...B, m, k] @ [...B, k], which has n = 1 (the vector is one column). Every backend's kernel
 * reads its sizes here.
 */
export function matmulDims(a: Shape, b: Shape): { batch: number; m: number; k: number; n: number } {
  const r = a.length;
  let batch = 1;
  for (let i = 0; i < r - 2; i++) batch *= a[i];
  return { batch, m: a[r - 2], k: a[r - 1], n: b.length === r ? b[r - 1] : 1 };
}

export function checkShape(op: string, shape: readonly number[]): void {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0)
      throw new ShapeError(`${op}: shape ${fmtShape(shape)} has an invalid dimension ${d} (dimensions are integers >= 0)`);
}
