import type { Backend } from "../backends/backend.js";
import type { Trace } from "../engine/trace.js";
import * as ops from "../ops/index.js";
import type { AxisArg, PadWidth } from "../ops/index.js";
import { type DType, type TypedArray } from "./dtype.js";
import { type Shape, sizeOf } from "./shape.js";
import { formatTensor } from "./format.js";
import { ValueError } from "./errors.js";

export type TensorOrNumber = Tensor | number;

const disposeSymbol: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for("Symbol.dispose");
const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * An n-dimensional array of numbers, held by a backend, that every transform can differentiate.
 *
 * A tensor is either concrete (it has storage on a backend) or a tracer: the value of a tensor as a
 * transform (`grad`, `jvp`, ...) sees it, carrying a primal value one level down and a tangent or a
 * place on a tape. User code never needs to tell them apart: both have the same methods, and reading
 * a tracer's values (`toArray`, `item`) reads its primal value.
 *
 * Tensors are immutable. Create them with `tensor`, `zeros`, `arange`, ... .
 *
 * @example
 * const x = gn.tensor([[1, 2], [3, 4]]);
 * x.shape;            // [2, 2]
 * x.mul(2).toArray(); // [[2, 4], [6, 8]]
 */
export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** @internal Backend storage (concrete tensors only). */
  _data: unknown;
  /** @internal The backend holding `_data`. */
  _backend: Backend | null;
  /** @internal The transform this tracer belongs to (null when concrete). */
  _trace: Trace | null;
  /** @internal A tracer's value one level down. */
  _primal: Tensor | null;
  /** @internal A forward-mode tracer's tangent (null means zero). */
  _tangent: Tensor | null;
  /** @internal A reverse-mode tracer's node on its tape. */
  _node: number;

  /** @internal Use `tensor()`, `zeros()` and the ops to make tensors. */
  constructor(
    shape: Shape,
    dtype: DType,
    data: unknown,
    backend: Backend | null,
    trace: Trace | null = null,
    primal: Tensor | null = null,
    tangent: Tensor | null = null,
    node = -1,
  ) {
    this.shape = shape;
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this._data = data;
    this._backend = backend;
    this._trace = trace;
    this._primal = primal;
    this._tangent = tangent;
    this._node = node;
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** @internal The concrete tensor under any tracers. */
  _concrete(): Tensor {
    let t: Tensor = this;
    while (t._trace !== null) t = t._primal!;
    return t;
  }

  /** The values as a new typed array (Float32Array, Float64Array, Int32Array, or Uint8Array for bool), row-major. */
  toTypedArray(): TypedArray {
    const c = this._concrete();
    if (c._backend === null) throw new ValueError("toTypedArray: this tensor has been disposed");
    return c._backend.read(c._data, c.dtype, c.size);
  }

  /** The values as nested JavaScript arrays (numbers; booleans for bool tensors). A 0-d tensor gives a number. */
  toArray(): NestedArray {
    const flat = this.toTypedArray();
    const asBool = this.dtype === "bool";
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.shape.length) return asBool ? flat[offset] !== 0 : flat[offset];
      const n = this.shape[axis];
      let stride = 1;
      for (let i = axis + 1; i < this.shape.length; i++) stride *= this.shape[i];
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = build(axis + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a tensor with one element, as a number (1/0 for bool). */
  item(): number {
    if (this.size !== 1)
      throw new ValueError(`item: the tensor has shape [${this.shape.join(", ")}] (${this.size} elements); item() needs exactly one`);
    return this.toTypedArray()[0];
  }

  /** Frees the backend memory now. Later use of this tensor throws. Optional: memory is also freed when collected. */
  dispose(): void {
    if (this._trace !== null || this._backend === null) return;
    this._backend.dispose(this._data);
    this._backend = null;
    this._data = null;
  }

  /** Lets `using x = gn.ones([3])` free memory at the end of a block. */
  [disposeSymbol](): void {
    this.dispose();
  }

  /** A NumPy-like printout, with the shape and dtype. Large tensors are summarised. */
  toString(): string {
    return formatTensor(this);
  }

  [inspectSymbol](): string {
    return this.toString();
  }

  // Methods for the common ops; each is the function of the same name in `gn` (see its docs).
  add(b: TensorOrNumber): Tensor { return ops.add(this, b); }
  sub(b: TensorOrNumber): Tensor { return ops.sub(this, b); }
  mul(b: TensorOrNumber): Tensor { return ops.mul(this, b); }
  div(b: TensorOrNumber): Tensor { return ops.div(this, b); }
  pow(b: TensorOrNumber): Tensor { return ops.pow(this, b); }
  maximum(b: TensorOrNumber): Tensor { return ops.maximum(this, b); }
  minimum(b: TensorOrNumber): Tensor { return ops.minimum(this, b); }
  neg(): Tensor { return ops.neg(this); }
  square(): Tensor { return ops.square(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  expm1(): Tensor { return ops.expm1(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tan(): Tensor { return ops.tan(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  softplus(): Tensor { return ops.softplus(this); }
  relu(): Tensor { return ops.relu(this); }
  erf(): Tensor { return ops.erf(this); }
  clip(min: TensorOrNumber | null, max: TensorOrNumber | null): Tensor { return ops.clip(this, min, max); }
  equal(b: TensorOrNumber): Tensor { return ops.equal(this, b); }
  notEqual(b: TensorOrNumber): Tensor { return ops.notEqual(this, b); }
  less(b: TensorOrNumber): Tensor { return ops.less(this, b); }
  lessEqual(b: TensorOrNumber): Tensor { return ops.lessEqual(this, b); }
  greater(b: TensorOrNumber): Tensor { return ops.greater(this, b); }
  greaterEqual(b: TensorOrNumber): Tensor { return ops.greaterEqual(this, b); }
  sum(axes?: AxisArg, opts?: { keepdims?: boolean }): Tensor { return ops.sum(this, axes, opts); }
  mean(axes?: AxisArg, opts?: { keepdims?: boolean }): Tensor { return ops.mean(this, axes, opts); }
  prod(axes?: AxisArg, opts?: { keepdims?: boolean }): Tensor { return ops.prod(this, axes, opts); }
  max(axes?: AxisArg, opts?: { keepdims?: boolean }): Tensor { return ops.max(this, axes, opts); }
  min(axes?: AxisArg, opts?: { keepdims?: boolean }): Tensor { return ops.min(this, axes, opts); }
  logsumexp(axes?: AxisArg, opts?: { keepdims?: boolean }): Tensor { return ops.logsumexp(this, axes, opts); }
  var(axes?: AxisArg, opts?: { keepdims?: boolean; ddof?: number }): Tensor { return ops.variance(this, axes, opts); }
  std(axes?: AxisArg, opts?: { keepdims?: boolean; ddof?: number }): Tensor { return ops.std(this, axes, opts); }
  argmax(axis?: number, opts?: { keepdims?: boolean }): Tensor { return ops.argmax(this, axis, opts); }
  argmin(axis?: number, opts?: { keepdims?: boolean }): Tensor { return ops.argmin(this, axis, opts); }
  cumsum(axis?: number): Tensor { return ops.cumsum(this, axis); }
  softmax(axis?: number): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis?: number): Tensor { return ops.logSoftmax(this, axis); }
  matmul(b: Tensor): Tensor { return ops.matmul(this, b); }
  dot(b: Tensor): Tensor { return ops.dot(this, b); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(): Tensor { return ops.reshape(this, [this.size]); }
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  /** The transpose (all axes reversed). */
  get T(): Tensor { return ops.transpose(this); }
  expandDims(axis: number): Tensor { return ops.expandDims(this, axis); }
  squeeze(axes?: AxisArg): Tensor { return ops.squeeze(this, axes); }
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  slice(begin: readonly number[], end?: readonly (number | null)[], step?: readonly number[]): Tensor { return ops.slice(this, begin, end, step); }
  pad(widths: PadWidth, value?: number): Tensor { return ops.pad(this, widths, value); }
  flip(axes?: AxisArg): Tensor { return ops.flip(this, axes); }
  tile(reps: readonly number[]): Tensor { return ops.tile(this, reps); }
  take(indices: Tensor | readonly number[], axis?: number): Tensor { return ops.take(this, indices, axis); }
  astype(dtype: DType): Tensor { return ops.cast(this, dtype); }
}

export type NestedArray = number | boolean | NestedArray[];
