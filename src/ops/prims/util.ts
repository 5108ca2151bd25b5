import type { Aval } from "../../backends/backend.js";
import { type DType, isFloat } from "../../core/dtype.js";
import { DTypeError, ShapeError, fmtShape } from "../../core/errors.js";
import { broadcastShapes } from "../../core/shape.js";

/** Throws unless every input has the same dtype (public ops promote before binding a primitive). */
export function sameDType(op: string, avals: Aval[]): DType {
  const d = avals[0].dtype;
  for (let i = 1; i < avals.length; i++)
    if (avals[i].dtype !== d)
      throw new DTypeError(`${op}: argument ${i} has dtype ${avals[i].dtype} but argument 0 has ${d}; cast one of them with .astype()`);
  return d;
}

export function requireFloat(op: string, a: Aval, arg = 0): void {
  if (!isFloat(a.dtype))
    throw new DTypeError(`${op}: argument ${arg} must be float32 or float64, got ${a.dtype} (shape ${fmtShape(a.shape)})`);
}

export function requireDType(op: string, a: Aval, dtype: DType, arg: number, what: string): void {
  if (a.dtype !== dtype)
    throw new DTypeError(`${op}: ${what} (argument ${arg}) must be ${dtype}, got ${a.dtype} (shape ${fmtShape(a.shape)})`);
}

export function requireRank(op: string, a: Aval, rank: number, what: string): void {
  if (a.shape.length !== rank)
    throw new ShapeError(`${op}: ${what} must have rank ${rank}, got shape ${fmtShape(a.shape)}`);
}

export function broadcastAvals(op: string, avals: Aval[]): number[] {
  return broadcastShapes(op, ...avals.map((a) => a.shape));
}

/** Default sample arguments: a float64 matrix, a broadcast row, and a scalar. */
export const BINARY_SHAPES: number[][][] = [
  [[2, 3], [2, 3]],
  [[2, 3], [3]],
  [[4, 1], [1, 3]],
  [[], [2, 2]],
];
