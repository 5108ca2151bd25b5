/** Shape/stride bookkeeping for the strided kernels: broadcasting strides and axis collapsing. */

// One definition of each stride rule for every backend: see src/core/shape.ts.
export { broadcastStrides, stridesOf as rowMajorStrides } from "../../core/shape.js";

/**
 * Drops size-1 axes and merges adjacent axes that are contiguous in every stride set, and returns the
 * kernel metadata [shape..., strides0..., strides1..., ...] with its rank (at least 1).
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): { meta: number[]; rank: number } {
  const k = strides.length;
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    if (d === 1) continue;
    const n = dims.length;
    if (n > 0) {
      const inner = dims[n - 1];
      let ok = true;
      for (let j = 0; j < k && ok; j++) ok = strides[j][i] === st[j][n - 1] * inner;
      if (ok) {
        dims[n - 1] = inner * d;
        continue;
      }
    }
    dims.push(d);
    for (let j = 0; j < k; j++) st[j].push(strides[j][i]);
  }
  if (dims.length === 0) {
    dims.push(1);
    for (let j = 0; j < k; j++) st[j].push(0);
  }
  dims.reverse();
  for (const s of st) s.reverse();
  const meta = dims.slice();
  for (const s of st) for (const v of s) meta.push(v);
  return { meta, rank: dims.length };
}
