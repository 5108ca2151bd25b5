import { matmulDims } from "../../core/shape.js";
import { type Kernel, alloc } from "./util.js";

type NoParams = Record<string, never>;

/** Batched matrix product, i-k-j loop order so the inner loop runs along contiguous rows. */
export const matmulKernels = {
  matmul: (([a, b], [av, bv], _p, out) => {
    const y = alloc(out);
    const { batch, m, k, n } = matmulDims(av.shape, bv.shape);
    for (let t = 0; t < batch; t++) {
      const ao = t * m * k;
      const bo = t * k * n;
      const yo = t * m * n;
      for (let i = 0; i < m; i++)
        for (let p = 0; p < k; p++) {
          const aip = a[ao + i * k + p];
          const brow = bo + p * n;
          const yrow = yo + i * n;
          for (let j = 0; j < n; j++) y[yrow + j] += aip * b[brow + j];
        }
    }
    return y;
  }) as Kernel<NoParams>,
};
