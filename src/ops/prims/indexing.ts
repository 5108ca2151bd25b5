/**
 * Gathers and their transposes. Indices are int32; a negative index counts from the end of the axis
 * (once, as in NumPy); an index out of range throws a ValueError naming the op, the index and the axis size.
 */
import { ShapeError, fmtShape } from "../../core/errors.js";
import type { DifferentiablePrimitive } from "../../engine/primitive.js";
import * as o from "../index.js";
import { requireDType } from "./util.js";

export interface TakeParams {
  axis: number;
}
/** take(x, indices, axis): out shape = x.shape[:axis] + indices.shape + x.shape[axis+1:] (NumPy's take). */
export const take: DifferentiablePrimitive<TakeParams> = {
  name: "take",
  differentiable: true,
  infer: ([x, idx], { axis }) => {
    requireDType("take", idx, "int32", 1, "indices");
    if (axis < 0 || axis >= x.shape.length) throw new ShapeError(`take: axis ${axis} is out of range for a tensor of shape ${fmtShape(x.shape)}`);
    return { shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype };
  },
  jvp: ([, idx], [t], p) => o.takePrim(t!, idx, p),
  vjp: (g, [x, idx], { axis }) => [o.scatterAddPrim(idx, g, { axis, dimSize: x.shape[axis] }), null],
  samples: [
    { args: [{ shape: [4, 3] }, { shape: [5], dtype: "int32", range: [0, 4] }], params: { axis: 0 }, wrt: [0] },
    { args: [{ shape: [2, 4] }, { shape: [2, 2], dtype: "int32", range: [-4, 4] }], params: { axis: 1 }, wrt: [0] },
  ],
};

export interface ScatterAddParams {
  axis: number;
  /** Size of the output's `axis`. */
  dimSize: number;
}
/** The transpose of take: a zero tensor with `updates` added at `indices` along `axis` (repeats add up). */
export const scatterAdd: DifferentiablePrimitive<ScatterAddParams> = {
  name: "scatterAdd",
  differentiable: true,
  infer: ([idx, upd], { axis, dimSize }) => {
    requireDType("scatterAdd", idx, "int32", 0, "indices");
    const r = idx.shape.length;
    if (upd.shape.length < axis + r || idx.shape.some((d, i) => upd.shape[axis + i] !== d))
      throw new ShapeError(`scatterAdd: updates of shape ${fmtShape(upd.shape)} do not match indices of shape ${fmtShape(idx.shape)} at axis ${axis} (updates need shape base[:axis] + indices.shape + base[axis+1:])`);
    return { shape: [...upd.shape.slice(0, axis), dimSize, ...upd.shape.slice(axis + r)], dtype: upd.dtype };
  },
  jvp: ([idx], [, t], p) => o.scatterAddPrim(idx, t!, p),
  vjp: (g, [idx], { axis }) => [null, o.takePrim(g, idx, { axis })],
  samples: [
    { args: [{ shape: [5], dtype: "int32", range: [0, 3] }, { shape: [5, 2] }], params: { axis: 0, dimSize: 3 }, wrt: [1] },
    { args: [{ shape: [2, 2], dtype: "int32", range: [0, 3] }, { shape: [3, 2, 2] }], params: { axis: 1, dimSize: 3 }, wrt: [1] },
  ],
};

export interface AlongAxisParams {
  axis: number;
}
/** takeAlongAxis(x, idx, axis): out[..., i, ...] = x[..., idx[..., i, ...], ...]; idx has x's rank and shape except along axis. */
export const takeAlongAxis: DifferentiablePrimitive<AlongAxisParams> = {
  name: "takeAlongAxis",
  differentiable: true,
  infer: ([x, idx], { axis }) => {
    requireDType("takeAlongAxis", idx, "int32", 1, "indices");
    if (idx.shape.length !== x.shape.length || idx.shape.some((d, i) => i !== axis && d !== x.shape[i]))
      throw new ShapeError(`takeAlongAxis: indices of shape ${fmtShape(idx.shape)} must match x's shape ${fmtShape(x.shape)} except along axis ${axis}`);
    return { shape: idx.shape, dtype: x.dtype };
  },
  jvp: ([, idx], [t], p) => o.takeAlongAxisPrim(t!, idx, p),
  vjp: (g, [x, idx], { axis }) => [o.scatterAddAlongAxisPrim(idx, g, { axis, dimSize: x.shape[axis] }), null],
  samples: [{ args: [{ shape: [3, 4] }, { shape: [3, 2], dtype: "int32", range: [0, 4] }], params: { axis: 1 }, wrt: [0] }],
};

/** The transpose of takeAlongAxis. */
export const scatterAddAlongAxis: DifferentiablePrimitive<ScatterAddParams> = {
  name: "scatterAddAlongAxis",
  differentiable: true,
  infer: ([idx, upd], { axis, dimSize }) => {
    requireDType("scatterAddAlongAxis", idx, "int32", 0, "indices");
    if (idx.shape.length !== upd.shape.length || idx.shape.some((d, i) => d !== upd.shape[i]))
      throw new ShapeError(`scatterAddAlongAxis: indices ${fmtShape(idx.shape)} and updates ${fmtShape(upd.shape)} must have the same shape`);
    const shape = [...upd.shape];
    shape[axis] = dimSize;
    return { shape, dtype: upd.dtype };
  },
  jvp: ([idx], [, t], p) => o.scatterAddAlongAxisPrim(idx, t!, p),
  vjp: (g, [idx], { axis }) => [null, o.takeAlongAxisPrim(g, idx, { axis })],
  samples: [{ args: [{ shape: [3, 2], dtype: "int32", range: [0, 4] }, { shape: [3, 2] }], params: { axis: 1, dimSize: 4 }, wrt: [1] }],
};
