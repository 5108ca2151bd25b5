/** Making tensors: from JavaScript data, and the usual constant and range constructors. */
import { getBackend } from "../backends/registry.js";
import { type DType, type TypedArray, allocTyped, dtypeOfTyped, isDType } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError, fmtShape } from "../core/errors.js";
import { checkShape, sizeOf } from "../core/shape.js";
import { type NestedArray, Tensor } from "../core/tensor.js";

/** The default float dtype for tensors made from JavaScript numbers. */
export const DEFAULT_FLOAT: DType = "float32";

export interface DTypeOption {
  dtype?: DType;
}

/** Anything `tensor()` accepts. */
export type TensorData = Tensor | NestedArray | TypedArray | readonly NestedArray[];

/** @internal Wraps a typed array (taken, not copied) as a tensor on the current backend. */
export function fromTypedUnchecked(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  const backend = getBackend();
  return new Tensor(shape, dtype, backend.fromTyped(data, dtype), backend);
}

function checkDType(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(dtype)} (use float32, float64, int32 or bool)`);
  return dtype;
}

function converter(dtype: DType): (v: number) => number {
  if (dtype === "int32") return (v) => v | 0;
  if (dtype === "bool") return (v) => (v !== 0 && !Number.isNaN(v) ? 1 : 0);
  return (v) => v;
}

/**
 * Makes a tensor from a number, a boolean, nested arrays, a typed array (give `shape` for more than one
 * axis) or another tensor (copied, cast to `dtype` if given). Numbers default to float32, booleans to
 * bool; typed arrays keep their own dtype (Uint8Array is read as bool). Ragged nested arrays throw a
 * ShapeError naming the first position that does not fit.
 *
 * @example
 * gn.tensor([[1, 2], [3, 4]]);                       // float32, shape [2, 2]
 * gn.tensor([1, 2, 3], { dtype: "int32" });
 * gn.tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
 */
export function tensor(data: TensorData, opts: DTypeOption & { shape?: readonly number[] } = {}): Tensor {
  if (opts.dtype !== undefined) checkDType("tensor", opts.dtype);
  if (data instanceof Tensor) {
    const dtype = opts.dtype ?? data.dtype;
    const values = data.toTypedArray();
    return fromTypedUnchecked(dtype === data.dtype ? values : castTyped(values, dtype), opts.shape ?? data.shape, dtype);
  }
  if (ArrayBuffer.isView(data)) {
    const typed = data as TypedArray;
    const shape = opts.shape ?? [typed.length];
    checkShape("tensor", shape);
    if (sizeOf(shape) !== typed.length)
      throw new ShapeError(`tensor: a typed array of ${typed.length} elements does not fit shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    const own = dtypeOfTyped(typed);
    const dtype = opts.dtype ?? own;
    return fromTypedUnchecked(dtype === own ? typed.slice() : castTyped(typed, dtype), [...shape], dtype);
  }
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const isBool = typeof probe === "boolean";
  const dtype = opts.dtype ?? (isBool ? "bool" : DEFAULT_FLOAT);
  const out = allocTyped(dtype, sizeOf(shape));
  const conv = converter(dtype);
  let k = 0;
  const walk = (x: unknown, axis: number, path: number[]): void => {
    if (axis === shape.length) {
      if (typeof x === "number") out[k++] = conv(x);
      else if (typeof x === "boolean") out[k++] = x ? 1 : 0;
      else
        throw new ValueError(`tensor: element at [${path.join(", ")}] is ${Array.isArray(x) ? "an array" : JSON.stringify(x)}, expected a number (the data is ragged or holds a non-number)`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[axis])
      throw new ShapeError(
        `tensor: ragged nested array: the element at [${path.join(", ")}] has ${Array.isArray(x) ? `length ${x.length}` : "no length"} but the first element at that depth has length ${shape[axis]} (inferred shape ${fmtShape(shape)})`,
      );
    for (let i = 0; i < x.length; i++) walk(x[i], axis + 1, [...path, i]);
  };
  walk(data, 0, []);
  if (opts.shape) return reshapeData(out, opts.shape, dtype);
  return fromTypedUnchecked(out, shape, dtype);
}

function reshapeData(out: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  checkShape("tensor", shape);
  if (sizeOf(shape) !== out.length) throw new ShapeError(`tensor: ${out.length} values do not fit shape ${fmtShape(shape)}`);
  return fromTypedUnchecked(out, [...shape], dtype);
}

/** @internal Converts a typed array to another dtype (float -> int truncates toward zero; NaN -> 0). */
export function castTyped(src: TypedArray, dtype: DType): TypedArray {
  const out = allocTyped(dtype, src.length);
  const conv = converter(dtype);
  for (let i = 0; i < src.length; i++) out[i] = conv(src[i]);
  return out;
}

/** A 0-d tensor holding `value`. */
export function scalar(value: number | boolean, dtype: DType = typeof value === "boolean" ? "bool" : DEFAULT_FLOAT): Tensor {
  const out = allocTyped(dtype, 1);
  out[0] = converter(dtype)(+value);
  return fromTypedUnchecked(out, [], dtype);
}

/**
 * A tensor of `shape` filled with `value`.
 * @example gn.full([2, 2], 7); // [[7, 7], [7, 7]]
 */
export function full(shape: readonly number[], value: number | boolean, opts: DTypeOption = {}): Tensor {
  checkShape("full", shape);
  const dtype = checkDType("full", opts.dtype ?? (typeof value === "boolean" ? "bool" : DEFAULT_FLOAT));
  const out = allocTyped(dtype, sizeOf(shape));
  out.fill(converter(dtype)(+value));
  return fromTypedUnchecked(out, [...shape], dtype);
}

/** A tensor of zeros. @example gn.zeros([2, 3], { dtype: "float64" }) */
export function zeros(shape: readonly number[], opts: DTypeOption = {}): Tensor {
  return full(shape, 0, opts);
}

/** A tensor of ones. @example gn.ones([3]) */
export function ones(shape: readonly number[], opts: DTypeOption = {}): Tensor {
  return full(shape, 1, opts);
}

/** Zeros with the shape and dtype of `x` (a constant: no derivative flows through it). */
export function zerosLike(x: Tensor, opts: DTypeOption = {}): Tensor {
  return full(x.shape, 0, { dtype: opts.dtype ?? x.dtype });
}

/** Ones with the shape and dtype of `x`. */
export function onesLike(x: Tensor, opts: DTypeOption = {}): Tensor {
  return full(x.shape, 1, { dtype: opts.dtype ?? x.dtype });
}

/** `value` with the shape and dtype of `x`. */
export function fullLike(x: Tensor, value: number, opts: DTypeOption = {}): Tensor {
  return full(x.shape, value, { dtype: opts.dtype ?? x.dtype });
}

/**
 * Evenly spaced values in [start, stop) with `step`, like NumPy's arange. With one argument, [0, stop).
 * The dtype is int32 when start, stop and step are all integers, float32 otherwise.
 * @example gn.arange(5);          // [0, 1, 2, 3, 4]
 * @example gn.arange(0, 1, 0.25); // [0, 0.25, 0.5, 0.75]
 */
export function arange(start: number, stop?: number, step = 1, opts: DTypeOption = {}): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new ValueError(`arange: step must be a finite nonzero number, got ${step}`);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new ValueError(`arange: start and stop must be finite, got ${start} and ${stop}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = opts.dtype ?? (Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? "int32" : DEFAULT_FLOAT);
  const out = allocTyped(checkDType("arange", dtype), n);
  const conv = converter(dtype);
  for (let i = 0; i < n; i++) out[i] = conv(start + i * step);
  return fromTypedUnchecked(out, [n], dtype);
}

/**
 * `num` evenly spaced values from start to stop, both included (NumPy's linspace).
 * @example gn.linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, stop: number, num = 50, opts: DTypeOption = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`linspace: num must be an integer >= 0, got ${num}`);
  const dtype = checkDType("linspace", opts.dtype ?? DEFAULT_FLOAT);
  const out = allocTyped(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  if (num > 1) out[num - 1] = stop;
  return fromTypedUnchecked(out, [num], dtype);
}

/**
 * The identity matrix, n x m (m defaults to n).
 * @example gn.eye(3)
 */
export function eye(n: number, m: number = n, opts: DTypeOption = {}): Tensor {
  checkShape("eye", [n, m]);
  const dtype = checkDType("eye", opts.dtype ?? DEFAULT_FLOAT);
  const out = allocTyped(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return fromTypedUnchecked(out, [n, m], dtype);
}
