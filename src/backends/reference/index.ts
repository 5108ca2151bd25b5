/**
 * The reference backend: every primitive in plain TypeScript on typed arrays. It is kept simple on
 * purpose: it is the oracle every faster backend is tested against, and it runs anywhere.
 */
import type { Backend } from "../backend.js";
import { type DType, type TypedArray, allocTyped } from "../../core/dtype.js";
import type { PrimName, ParamsOf } from "../../ops/prims/index.js";
import type { Kernel } from "./util.js";
import { elementwiseKernels } from "./elementwise.js";
import { reduceKernels } from "./reduce.js";
import { movementKernels } from "./movement.js";
import { indexingKernels } from "./indexing.js";
import { matmulKernels } from "./matmul.js";
import { convKernels } from "./conv.js";
import { linalgKernels } from "./linalg.js";

/** One kernel per primitive: a missing one is a compile error. */
const kernels: { [N in PrimName]: Kernel<ParamsOf<N>> } = {
  ...elementwiseKernels,
  ...reduceKernels,
  ...movementKernels,
  ...indexingKernels,
  ...matmulKernels,
  ...convKernels,
  ...linalgKernels,
};

function copyAs(data: TypedArray, dtype: DType): TypedArray {
  const out = allocTyped(dtype, data.length);
  out.set(data as never);
  return out;
}

export const referenceBackend: Backend = {
  name: "reference",
  fromTyped(data: TypedArray, dtype: DType): unknown {
    const want = allocTyped(dtype, 0).constructor;
    return data.constructor === want ? data : copyAs(data, dtype);
  },
  read(storage: unknown, dtype: DType): TypedArray {
    return copyAs(storage as TypedArray, dtype);
  },
  exec<N extends PrimName>(prim: N, inputs: unknown[], inAvals: import("../backend.js").Aval[], params: ParamsOf<N>, out: import("../backend.js").Aval): unknown {
    return (kernels[prim] as Kernel<ParamsOf<N>>)(inputs as TypedArray[], inAvals, params, out);
  },
  dispose(): void {
    // Typed arrays are garbage-collected.
  },
};
