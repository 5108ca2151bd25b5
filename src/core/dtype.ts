/** The element types a tensor can hold. */
export type DType = "float32" | "float64" | "int32" | "bool";

export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool"];

/** The typed array that stores each dtype on the CPU backends. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export type TypedArrayFor<D extends DType> = D extends "float32"
  ? Float32Array
  : D extends "float64"
    ? Float64Array
    : D extends "int32"
      ? Int32Array
      : Uint8Array;

export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

export function isDType(x: unknown): x is DType {
  return x === "float32" || x === "float64" || x === "int32" || x === "bool";
}

/** Allocates a zero-filled typed array for `dtype`. */
export function allocTyped(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
  }
}

/** The dtype a typed array stores (Uint8Array is read as bool). */
export function dtypeOfTyped(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  return "bool";
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * Result dtype of a binary op, NumPy/JAX style on this small lattice:
 * bool < int32 < float32 < float64. (int32 with float32 gives float32, as in JAX and PyTorch.)
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The float dtype an integer or bool input becomes when an op needs floats (e.g. `exp`). */
export function toFloat(dtype: DType): DType {
  return isFloat(dtype) ? dtype : "float32";
}
