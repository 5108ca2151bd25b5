import type { Aval } from "../backends/backend.js";
import type { DType } from "../core/dtype.js";
import type { Tensor } from "../core/tensor.js";

/**
 * How a test sample builds one input. Values come from gradnav's seeded generator, so the
 * fixture script (scripts/golden.py) sees exactly the inputs the tests use.
 */
export interface ArgSpec {
  shape: number[];
  /** Default float64 (the generated derivative checks need float64). */
  dtype?: DType;
  /** Uniform range for floats, or [lo, hi) for int32 (e.g. indices). Default [-2, 2]. */
  range?: [number, number];
  /** Explicit values (row-major), used for edge cases such as ties or zeros. */
  values?: number[];
  /** Kind of matrix for linear-algebra samples. */
  matrix?: "spd" | "wellConditioned" | "lowerWellConditioned" | "upperWellConditioned";
}

/** One sample of a primitive: its inputs and params, checked against golden values and by finite differences. */
export interface Sample<P> {
  /** Short label for test names (defaults to the input shapes). */
  label?: string;
  args: ArgSpec[];
  params: P;
  /** Skip the finite-difference checks for this sample (e.g. an edge case at a kink); the value check still runs. */
  valueOnly?: boolean;
  /** Indices of the arguments to differentiate (default: every float argument). */
  wrt?: number[];
  /** Tolerances for the derivative checks (defaults in src/testing/checkGrads.ts). */
  tol?: { rtol?: number; atol?: number; eps?: number };
}

/** Forward-mode rule: the output tangent given input tangents (null = zero). Written in differentiable ops. */
export type JvpRule<P> = (primals: Tensor[], tangents: (Tensor | null)[], params: P, out: Tensor) => Tensor | null;

/**
 * Reverse-mode rule: the input cotangents given the output cotangent `ct`. Written in differentiable
 * ops, so derivatives of any order work. A cotangent may have a broadcast shape: the engine sums it
 * back to the input's shape, so no rule unbroadcasts. `needs[i]` is false where input i needs no
 * cotangent; a rule may return null there to save work.
 */
export type VjpRule<P> = (ct: Tensor, primals: Tensor[], params: P, out: Tensor, needs: boolean[]) => (Tensor | null)[];

interface PrimitiveBase<P> {
  readonly name: string;
  /** Checks the inputs and returns the output's shape and dtype; errors name the op, the argument, shapes and dtypes. */
  infer(inputs: Aval[], params: P): Aval;
  /** Test samples: every primitive has at least one (the generated suite fails otherwise). */
  samples: [Sample<P>, ...Sample<P>[]];
}

export interface DifferentiablePrimitive<P> extends PrimitiveBase<P> {
  readonly differentiable: true;
  jvp: JvpRule<P>;
  vjp: VjpRule<P>;
}

/** Primitives whose output is piecewise constant or not a float (comparisons, argmax, sign). */
export interface NonDifferentiablePrimitive<P> extends PrimitiveBase<P> {
  readonly differentiable: false;
  /** Why it has no derivative (shown in docs and errors). */
  readonly reason: string;
}

export type Primitive<P> = DifferentiablePrimitive<P> | NonDifferentiablePrimitive<P>;
