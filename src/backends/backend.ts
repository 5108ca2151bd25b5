import type { DType, TypedArray } from "../core/dtype.js";
import type { Shape } from "../core/shape.js";
import type { PrimName, ParamsOf } from "../ops/prims/index.js";

/** Shape and dtype of a value: all a primitive's shape rule needs to see. */
export interface Aval {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * The contract every backend fulfils. A backend owns the memory of the tensors it holds
 * (`Storage` is opaque to the engine: a typed array on the reference backend, an offset into a
 * WebAssembly.Memory on the wasm backend) and executes primitives on it.
 *
 * Invariants the engine guarantees before calling `exec`:
 * - the inputs passed the primitive's shape/dtype rule (`infer`), so a kernel need not re-check;
 * - binary and ternary elementwise primitives may receive broadcast-compatible shapes (NumPy rules);
 * - all inputs live on this backend.
 */
export interface Backend {
  readonly name: string;
  /** Takes a typed array (the backend may keep it or copy it) and returns storage for it. */
  fromTyped(data: TypedArray, dtype: DType): unknown;
  /** Reads storage back as a fresh typed array of the dtype's kind (a copy the caller may mutate). */
  read(storage: unknown, dtype: DType, size: number): TypedArray;
  /** Runs primitive `prim` and returns the output's storage. */
  exec<N extends PrimName>(prim: N, inputs: unknown[], inAvals: Aval[], params: ParamsOf<N>, out: Aval): unknown;
  /** Frees storage now (optional: storage is also freed when unreachable). */
  dispose(storage: unknown): void;
  /** Optional: how much memory the backend holds (shown by `gn.memoryInfo()`). */
  memoryInfo?(): Record<string, number>;
  /**
   * Optional fused optimizer step: src/optim's `adamLeafUpdate` in one pass over the storages (all of
   * `dtype` and `size` elements; p and vmax may be null). Returns null to decline, and the caller then
   * runs the unfused ops. Call it through `fusedAdamLeaf` (src/backends/fused.ts), which checks the tensors.
   */
  fusedAdam?(g: unknown, p: unknown | null, m: unknown, v: unknown, vmax: unknown | null, dtype: DType, size: number, c: AdamConstants): FusedAdamResult | null;
  /**
   * Optional: [a.a, b.b, a.b] of two storages of `dtype` and `size` elements in one pass (a training
   * trace records all three for every step). Returns null to decline. Call it through
   * `fusedNormsAndDot` (src/backends/fused.ts), which checks the tensors.
   */
  normsAndDot?(a: unknown, b: unknown, dtype: DType, size: number): [number, number, number] | null;
}

/** The numbers of one Adam step (src/optim/adam.ts: AdamStepConstants). */
export interface AdamConstants {
  b1: number;
  b2: number;
  eps: number;
  /** m / denom is multiplied by this (-lr / (1 - b1^t)). */
  stepScale: number;
  /** sqrt(1 - b2^t). */
  bc2Sqrt: number;
  /** L2 weight decay added to the gradient. */
  l2: number;
  /** Decoupled weight decay: the update gets -decoupled · p. */
  decoupled: number;
}

/** Storages of a fused Adam step's results. */
export interface FusedAdamResult {
  update: unknown;
  m: unknown;
  v: unknown;
  vmax: unknown | null;
}
