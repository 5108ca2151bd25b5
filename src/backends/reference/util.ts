import type { Aval } from "../backend.js";
import { type TypedArray, allocTyped } from "../../core/dtype.js";
import { broadcastStrides, sizeOf } from "../../core/shape.js";

export type Kernel<P> = (inputs: TypedArray[], avals: Aval[], params: P, out: Aval) => TypedArray;

export function alloc(out: Aval): TypedArray {
  return allocTyped(out.dtype, sizeOf(out.shape));
}


/**
 * Calls `body(outIndex, offsets...)` for every output element, with each input's flat offset under
 * broadcasting. Walks an odometer over the output shape, so no division per element.
 */
export function forEachBroadcast(outShape: readonly number[], inShapes: readonly (readonly number[])[], body: (o: number, offs: Int32Array) => void): void {
  const n = sizeOf(outShape);
  const rank = outShape.length;
  const k = inShapes.length;
  const strides = inShapes.map((s) => broadcastStrides(s, outShape));
  const offs = new Int32Array(k);
  const idx = new Int32Array(rank);
  for (let o = 0; o < n; o++) {
    body(o, offs);
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      for (let j = 0; j < k; j++) offs[j] += strides[j][ax];
      if (idx[ax] < outShape[ax]) break;
      for (let j = 0; j < k; j++) offs[j] -= strides[j][ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
}
