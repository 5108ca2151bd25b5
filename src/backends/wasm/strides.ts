/** Shape/stride bookkeeping for the strided kernels: broadcasting strides and axis collapsing. */

/** Row-major strides of `shape` seen as broadcast to `outShape` (0 along broadcast axes). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const r = outShape.length;
  const off = r - shape.length;
  const s = new Array<number>(r);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    const j = i - off;
    if (j < 0 || shape[j] === 1) s[i] = 0;
    else {
      s[i] = acc;
      acc *= shape[j];
    }
  }
  return s;
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

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
