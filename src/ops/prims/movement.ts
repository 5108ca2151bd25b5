/** Primitives that move data without arithmetic. All are linear: each one's reverse rule is its transpose. */
import type { Aval } from "../../backends/backend.js";
import { ShapeError, ValueError, fmtShape } from "../../core/errors.js";
import { sizeOf } from "../../core/shape.js";
import type { DifferentiablePrimitive } from "../../engine/primitive.js";
import * as o from "../index.js";
import { sameDType } from "./util.js";

export interface ReshapeParams {
  shape: number[];
}
export const reshape: DifferentiablePrimitive<ReshapeParams> = {
  name: "reshape",
  differentiable: true,
  infer: ([a], { shape }) => {
    if (sizeOf(shape) !== sizeOf(a.shape))
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(a.shape)} (${sizeOf(a.shape)} elements) to ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    return { shape, dtype: a.dtype };
  },
  jvp: (_x, [t], p) => o.reshape(t!, p.shape),
  vjp: (g, [x]) => [o.reshape(g, x.shape)],
  samples: [
    { args: [{ shape: [2, 3] }], params: { shape: [3, 2] } },
    { args: [{ shape: [2, 3, 2] }], params: { shape: [12] } },
  ],
};

export interface TransposeParams {
  perm: number[];
}
export const transpose: DifferentiablePrimitive<TransposeParams> = {
  name: "transpose",
  differentiable: true,
  infer: ([a], { perm }) => {
    const r = a.shape.length;
    const seen = new Set(perm);
    if (perm.length !== r || seen.size !== r || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= r))
      throw new ShapeError(`transpose: perm [${perm.join(", ")}] is not a permutation of the ${r} axes of a tensor of shape ${fmtShape(a.shape)}`);
    return { shape: perm.map((p) => a.shape[p]), dtype: a.dtype };
  },
  jvp: (_x, [t], p) => o.transpose(t!, p.perm),
  vjp: (g, _x, { perm }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [o.transpose(g, inv)];
  },
  samples: [
    { args: [{ shape: [2, 3] }], params: { perm: [1, 0] } },
    { args: [{ shape: [2, 3, 4] }], params: { perm: [2, 0, 1] } },
  ],
};

export interface BroadcastParams {
  shape: number[];
}
export const broadcastTo: DifferentiablePrimitive<BroadcastParams> = {
  name: "broadcastTo",
  differentiable: true,
  infer: ([a], { shape }) => {
    const off = shape.length - a.shape.length;
    let ok = off >= 0;
    for (let i = 0; ok && i < a.shape.length; i++) ok = a.shape[i] === shape[off + i] || a.shape[i] === 1;
    if (!ok) throw new ShapeError(`broadcastTo: cannot broadcast shape ${fmtShape(a.shape)} to ${fmtShape(shape)}`);
    return { shape, dtype: a.dtype };
  },
  jvp: (_x, [t], p) => o.broadcastTo(t!, p.shape),
  vjp: (g, [x]) => [o.sumToShape(g, x.shape)],
  samples: [
    { args: [{ shape: [3] }], params: { shape: [2, 3] } },
    { args: [{ shape: [2, 1] }], params: { shape: [2, 2, 3] } },
  ],
};

/** Normalised slice: 0 <= begin[i], positive step, output size per axis precomputed. */
export interface SliceParams {
  begin: number[];
  step: number[];
  /** Output shape. */
  size: number[];
}
export const slice: DifferentiablePrimitive<SliceParams> = {
  name: "slice",
  differentiable: true,
  infer: ([a], { begin, step, size }) => {
    if (begin.length !== a.shape.length || step.length !== a.shape.length || size.length !== a.shape.length)
      throw new ShapeError(`slice: begin/step/size need one entry per axis of ${fmtShape(a.shape)}`);
    for (let i = 0; i < begin.length; i++)
      if (size[i] > 0 && (begin[i] < 0 || begin[i] + (size[i] - 1) * step[i] >= a.shape[i] || step[i] < 1))
        throw new ShapeError(`slice: axis ${i} of ${fmtShape(a.shape)}: start ${begin[i]}, step ${step[i]}, ${size[i]} elements goes out of range`);
    return { shape: size, dtype: a.dtype };
  },
  jvp: (_x, [t], p) => o.slicePrim(t!, p),
  vjp: (g, [x], { begin, step, size }) => {
    // The transpose of a strided slice is a zero pad with interior padding (step - 1) between elements.
    if (size.some((s) => s === 0)) return [o.zerosLike(x)];
    const hi = x.shape.map((d, i) => d - (begin[i] + (size[i] - 1) * step[i] + 1));
    return [o.padPrim(g, { lo: begin, hi, interior: step.map((s) => s - 1), value: 0 })];
  },
  samples: [
    { args: [{ shape: [4, 5] }], params: { begin: [1, 0], step: [1, 2], size: [2, 3] } },
    { args: [{ shape: [6] }], params: { begin: [1], step: [3], size: [2] } },
  ],
};

/** Pads each axis with `lo` values before, `hi` after and `interior` between elements (all >= 0). */
export interface PadParams {
  lo: number[];
  hi: number[];
  interior: number[];
  value: number;
}
export const pad: DifferentiablePrimitive<PadParams> = {
  name: "pad",
  differentiable: true,
  infer: ([a], { lo, hi, interior }) => {
    const r = a.shape.length;
    if (lo.length !== r || hi.length !== r || interior.length !== r)
      throw new ShapeError(`pad: need one (lo, hi, interior) per axis of ${fmtShape(a.shape)}`);
    if ([...lo, ...hi, ...interior].some((v) => !Number.isInteger(v) || v < 0))
      throw new ValueError(`pad: pad widths must be integers >= 0, got lo [${lo}], hi [${hi}], interior [${interior}]`);
    return { shape: a.shape.map((d, i) => lo[i] + hi[i] + d + Math.max(0, d - 1) * interior[i]), dtype: a.dtype };
  },
  jvp: (_x, [t], p) => o.padPrim(t!, { ...p, value: 0 }),
  vjp: (g, [x], { lo, interior }) => [o.slicePrim(g, { begin: lo, step: interior.map((i) => i + 1), size: [...x.shape] })],
  samples: [
    { args: [{ shape: [2, 3] }], params: { lo: [1, 0], hi: [0, 2], interior: [0, 0], value: 0 } },
    { args: [{ shape: [3] }], params: { lo: [1], hi: [1], interior: [2], value: -1 } },
  ],
};

export interface ConcatParams {
  axis: number;
}
export const concat: DifferentiablePrimitive<ConcatParams> = {
  name: "concat",
  differentiable: true,
  infer: (avals, { axis }) => {
    const dtype = sameDType("concat", avals);
    const first = avals[0].shape;
    let total = 0;
    avals.forEach((a: Aval, i) => {
      if (a.shape.length !== first.length || a.shape.some((d, j) => j !== axis && d !== first[j]))
        throw new ShapeError(`concat: argument ${i} has shape ${fmtShape(a.shape)}, which does not match argument 0's ${fmtShape(first)} outside axis ${axis}`);
      total += a.shape[axis];
    });
    const shape = [...first];
    shape[axis] = total;
    return { shape, dtype };
  },
  jvp: (xs, ts, p) => o.concatPrim(ts.map((t, i) => t ?? o.zerosLike(xs[i])), p),
  vjp: (g, xs, { axis }, _o, needs) => {
    let start = 0;
    return xs.map((x, i) => {
      const begin = g.shape.map((_, j) => (j === axis ? start : 0));
      start += x.shape[axis];
      return needs[i] ? o.slicePrim(g, { begin, step: g.shape.map(() => 1), size: [...x.shape] }) : null;
    });
  },
  samples: [
    { args: [{ shape: [2, 3] }, { shape: [1, 3] }], params: { axis: 0 } },
    { args: [{ shape: [2, 1] }, { shape: [2, 2] }, { shape: [2, 3] }], params: { axis: 1 } },
  ],
};

export interface FlipParams {
  axes: number[];
}
export const flip: DifferentiablePrimitive<FlipParams> = {
  name: "flip",
  differentiable: true,
  infer: ([a]) => ({ shape: a.shape, dtype: a.dtype }),
  jvp: (_x, [t], p) => o.flipPrim(t!, p),
  vjp: (g, _x, p) => [o.flipPrim(g, p)],
  samples: [
    { args: [{ shape: [2, 3] }], params: { axes: [1] } },
    { args: [{ shape: [2, 3, 2] }], params: { axes: [0, 2] } },
  ],
};

