/**
 * The native addon's functions (native/node/src/addon.c). Arrays are the tensors' own typed arrays;
 * shapes and strides go through the int32 metadata array given to `init`, scalars through the
 * float64 one. Codes: dtypes as DT_CODE; op codes as in native/node/src/common.h. unary, binary,
 * compare, matmul, logSoftmax and dots take their integers from the metadata too, at SCALARS_AT
 * (context.ts): reading a JavaScript number through Node-API costs about 10 ns, a sizeable part of a
 * tiny op.
 */
/** The calling convention this code expects (GN_ABI in native/node/src/addon.c): bumped when an argument list changes. */
export const NATIVE_ABI = 5;

export interface NativeAddon {
  /** GN_ABI of the sources the addon was built from (absent before version 2). */
  abi?: number;
  init(metaI32: Int32Array, metaF64: Float64Array): { isa: string; isas: string; threads: number };
  setIsa(name: string): boolean;
  setThreads(n: number): number;
  /** Scalars: op, dt. */
  unary(x: ArrayBufferView, y: ArrayBufferView): void;
  /** Scalars: op, dt, rank (of the broadcast metadata). */
  binary(a: ArrayBufferView, b: ArrayBufferView, y: ArrayBufferView): void;
  /** Scalars: op, dt, rank. */
  compare(a: ArrayBufferView, b: ArrayBufferView, y: ArrayBufferView): void;
  where(width: number, c: ArrayBufferView, a: ArrayBufferView, b: ArrayBufferView, y: ArrayBufferView, rank: number): void;
  cast(x: ArrayBufferView, from: number, y: ArrayBufferView, to: number): void;
  reduce(op: number, dt: number, x: ArrayBufferView, y: ArrayBufferView, outer: number, red: number, inner: number): void;
  copy(width: number, src: ArrayBufferView, srcOffset: number, dst: ArrayBufferView, dstOffset: number, rank: number): void;
  transpose(width: number, src: ArrayBufferView, dst: ArrayBufferView, batch: number, m: number, n: number): void;
  /** Scalars: dt, batch, m, n, k, ta, tb; ta / tb (0 or 1): a holds A's transpose [batch, k, m], b holds B's [batch, n, k]. */
  matmul(a: ArrayBufferView, b: ArrayBufferView, c: ArrayBufferView): void;
  /** Scalars: dt, outer, n, inner: log(softmax) over n of x and y seen as [outer, n, inner]. */
  logSoftmax(x: ArrayBufferView, y: ArrayBufferView): void;
  conv(mode: number, dt: number, x: ArrayBufferView, w: ArrayBufferView, y: ArrayBufferView): void;
  maxpool(dt: number, x: ArrayBufferView, y: ArrayBufferView): void;
  takeAlong(width: number, x: ArrayBufferView, idx: ArrayBufferView, y: ArrayBufferView, outer: number, n: number, m: number, inner: number): boolean;
  scatterAlong(dt: number, idx: ArrayBufferView, upd: ArrayBufferView, y: ArrayBufferView, outer: number, m: number, dim: number, inner: number): boolean;
  /** Scalars: dt, n. Writes [a.a, b.b, a.b] to the float64 metadata's slots 0..2. */
  dots(a: ArrayBufferView, b: ArrayBufferView): void;
  adam(dt: number, g: ArrayBufferView, p: ArrayBufferView | null, m: ArrayBufferView, v: ArrayBufferView, vmax: ArrayBufferView | null, u: ArrayBufferView, mo: ArrayBufferView, vo: ArrayBufferView, vmaxo: ArrayBufferView | null): void;
}
