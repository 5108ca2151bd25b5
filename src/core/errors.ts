/**
 * Errors are part of the API: each names the op, the argument, the shapes and dtypes involved,
 * and where possible what to do about it.
 */
export class GradnavError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together (broadcasting, matmul, reshape, axes out of range, ...). */
export class ShapeError extends GradnavError {}

/** A dtype an op cannot take (e.g. grad with respect to an int32 input). */
export class DTypeError extends GradnavError {}

/** A value outside what an op accepts (an index out of range, a bad option). */
export class ValueError extends GradnavError {}

/** A NaN or infinity caught by `debugNans` mode, naming the op that first produced it. */
export class NonFiniteError extends GradnavError {}

/** A tensor from a finished transform used after it ended (e.g. stored in a closure). */
export class LeakedTracerError extends GradnavError {}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
