/**
 * Elementwise primitives. Each row holds the op's derivative, written in differentiable ops, so the
 * same row serves forward mode (tangent * f'(x)) and reverse mode (cotangent * f'(x)) to any order.
 * Binary and ternary primitives accept broadcast-compatible shapes; the engine sums a reverse-mode
 * cotangent back to each input's shape.
 */
import type { Aval } from "../../backends/backend.js";
import type { Tensor } from "../../core/tensor.js";
import type { DType } from "../../core/dtype.js";
import type { DifferentiablePrimitive, NonDifferentiablePrimitive, Sample } from "../../engine/primitive.js";
import * as o from "../index.js";
import { shapesEqual } from "../../core/shape.js";
import { BINARY_SHAPES, broadcastAvals, requireDType, requireFloat, sameDType } from "./util.js";

type NoParams = Record<string, never>;
const none: NoParams = {};

/** The derivative of a unary op from its input x and output y. */
type Deriv = (x: Tensor, y: Tensor) => Tensor;

interface UnaryOptions {
  /** Integer inputs allowed (neg, abs, sign); otherwise the op needs floats. */
  ints?: boolean;
  /** Input values for the samples (default uniform in [-2, 2]). */
  range?: [number, number];
  /** Explicit sample values, e.g. away from a kink. */
  values?: number[];
  /** Extra value-only samples (edge cases documented in docs/ops.md). */
  edges?: number[][];
}

function unarySamples(opts: UnaryOptions): [Sample<NoParams>, ...Sample<NoParams>[]] {
  const main: Sample<NoParams> = opts.values
    ? { args: [{ shape: [opts.values.length], values: opts.values }], params: none }
    : { args: [{ shape: [2, 3], range: opts.range }], params: none };
  const samples: [Sample<NoParams>, ...Sample<NoParams>[]] = [main, { label: "scalar", args: [{ shape: [], range: opts.range ?? [-2, 2], values: opts.values ? [opts.values[1]] : undefined }], params: none }];
  for (const e of opts.edges ?? []) samples.push({ label: `edge ${e.join(",")}`, args: [{ shape: [e.length], values: e }], params: none, valueOnly: true });
  if (opts.ints) samples.push({ label: "int32", args: [{ shape: [5], dtype: "int32", range: [-4, 5] }], params: none, valueOnly: true });
  return samples;
}

function unaryInfer(name: string, ints: boolean) {
  return (avals: Aval[]): Aval => {
    const a = avals[0];
    if (!ints) requireFloat(name, a);
    else if (a.dtype === "bool") requireDType(name, a, "int32", 0, "the input");
    return { shape: a.shape, dtype: a.dtype };
  };
}

function unary(name: string, deriv: Deriv, opts: UnaryOptions = {}): DifferentiablePrimitive<NoParams> {
  return {
    name,
    differentiable: true,
    infer: unaryInfer(name, !!opts.ints),
    jvp: ([x], [t], _p, y) => o.mul(t!, deriv(x, y)),
    vjp: (g, [x], _p, y) => [o.mul(g, deriv(x, y))],
    samples: unarySamples(opts),
  };
}

function piecewiseConstant(name: string, reason: string, opts: UnaryOptions = {}): NonDifferentiablePrimitive<NoParams> {
  return { name, differentiable: false, reason, infer: unaryInfer(name, !!opts.ints), samples: unarySamples(opts) };
}

const KINKED = [-1.7, -0.6, -0.15, 0.35, 0.8, 1.9];

export const neg: DifferentiablePrimitive<NoParams> = {
  name: "neg",
  differentiable: true,
  infer: unaryInfer("neg", true),
  jvp: (_x, [t]) => o.neg(t!),
  vjp: (g) => [o.neg(g)],
  samples: unarySamples({ ints: true }),
};
export const exp = unary("exp", (_x, y) => y);
export const log = unary("log", (x) => o.reciprocal(x), { range: [0.2, 3], edges: [[0, 1, -1]] });
export const log1p = unary("log1p", (x) => o.reciprocal(o.add(x, 1)), { range: [-0.6, 2], edges: [[-1, 0, 1e-10]] });
export const expm1 = unary("expm1", (_x, y) => o.add(y, 1), { edges: [[0, 1e-10, -1e-10]] });
// d sqrt(x) = 1 / (2 sqrt(x)): +Infinity at 0, as in JAX and PyTorch (docs/ops.md).
export const sqrt = unary("sqrt", (_x, y) => o.div(0.5, y), { range: [0.2, 3], edges: [[0, 4, -1]] });
export const reciprocal = unary("reciprocal", (_x, y) => o.neg(o.square(y)), { range: [0.4, 2.5], edges: [[0, -0]] });
export const sin = unary("sin", (x) => o.cos(x));
export const cos = unary("cos", (x) => o.neg(o.sin(x)));
export const tan = unary("tan", (_x, y) => o.add(o.square(y), 1), { range: [-1.2, 1.2] });
// The rules use the output y, which is itself traced one level down, so second derivatives are exact
// (TensorFlow.js breaks here by reusing a saved output outside the gradient graph).
export const tanh = unary("tanh", (_x, y) => o.sub(1, o.square(y)), { range: [-3, 3] });
export const sigmoid = unary("sigmoid", (_x, y) => o.mul(y, o.sub(1, y)), { range: [-4, 4], edges: [[-800, 800, 0]] });
export const softplus = unary("softplus", (x) => o.sigmoid(x), { range: [-4, 4], edges: [[-800, 800, 0]] });
export const erf = unary("erf", (x) => o.mul(2 / Math.sqrt(Math.PI), o.exp(o.neg(o.square(x)))));
// At the kink x = 0 these take the one-sided derivative 0 (abs: sign(0) = 0), as JAX does.
export const abs = unary("abs", (x) => o.sign(x), { ints: true, values: KINKED, edges: [[0, -0]] });
// relu's derivative read off its output: sign(y) is 1 where y > 0 and 0 elsewhere (NaN at NaN), two
// cheap passes (sign, then the product) where greater + cast + mul took three.
export const relu = unary("relu", (_x, y) => o.sign(y), { values: KINKED, edges: [[0, -0]] });
export const sign = piecewiseConstant("sign", "piecewise constant: its derivative is zero wherever it exists", { ints: true, values: KINKED, edges: [[0, -0, NaN]] });
export const floor = piecewiseConstant("floor", "piecewise constant", { values: KINKED });
export const ceil = piecewiseConstant("ceil", "piecewise constant", { values: KINKED });
export const round = piecewiseConstant("round", "piecewise constant (rounds half to even, like NumPy)", { values: [...KINKED, 0.5, 1.5, 2.5, -0.5] });

// ---- binary ----

function binaryInfer(name: string, floatOnly: boolean) {
  return (avals: Aval[]): Aval => {
    const dtype = sameDType(name, avals);
    if (floatOnly) requireFloat(name, avals[0]);
    else if (dtype === "bool") requireDType(name, avals[0], "int32", 0, "the input");
    const [a, b] = avals;
    // Equal shapes are the common case: reuse the shape, no broadcasting work.
    return { shape: shapesEqual(a.shape, b.shape) ? a.shape : broadcastAvals(name, avals), dtype };
  };
}

function binarySamples(range?: [number, number], rangeB?: [number, number], ints = true): [Sample<NoParams>, ...Sample<NoParams>[]] {
  const s = BINARY_SHAPES.map(([a, b]): Sample<NoParams> => ({ args: [{ shape: a, range }, { shape: b, range: rangeB ?? range }], params: none }));
  if (ints) s.push({ label: "int32", args: [{ shape: [4], dtype: "int32", range: [1, 6] }, { shape: [4], dtype: "int32", range: [1, 4] }], params: none, valueOnly: true });
  return s as [Sample<NoParams>, ...Sample<NoParams>[]];
}

export const add: DifferentiablePrimitive<NoParams> = {
  name: "add",
  differentiable: true,
  infer: binaryInfer("add", false),
  jvp: (_p, [ta, tb]) => (ta && tb ? o.add(ta, tb) : ta ?? tb),
  vjp: (g) => [g, g],
  samples: binarySamples(),
};
export const sub: DifferentiablePrimitive<NoParams> = {
  name: "sub",
  differentiable: true,
  infer: binaryInfer("sub", false),
  jvp: (_p, [ta, tb]) => (ta && tb ? o.sub(ta, tb) : ta ?? o.neg(tb!)),
  vjp: (g, _p, _q, _o, needs) => [g, needs[1] ? o.neg(g) : null],
  samples: binarySamples(),
};
export const mul: DifferentiablePrimitive<NoParams> = {
  name: "mul",
  differentiable: true,
  infer: binaryInfer("mul", false),
  jvp: ([a, b], [ta, tb]) => sumTangents(ta && o.mul(ta, b), tb && o.mul(a, tb)),
  vjp: (g, [a, b], _p, _o, needs) => [needs[0] ? o.mul(g, b) : null, needs[1] ? o.mul(g, a) : null],
  samples: binarySamples(),
};
export const div: DifferentiablePrimitive<NoParams> = {
  name: "div",
  differentiable: true,
  infer: binaryInfer("div", true),
  jvp: ([, b], [ta, tb], _p, y) => sumTangents(ta && o.div(ta, b), tb && o.neg(o.div(o.mul(tb, y), b))),
  vjp: (g, [, b], _p, y, needs) => [needs[0] ? o.div(g, b) : null, needs[1] ? o.neg(o.div(o.mul(g, y), b)) : null],
  samples: [...binarySamples([-2, 2], [0.5, 2], false), { label: "divide by zero", args: [{ shape: [3], values: [1, -1, 0] }, { shape: [3], values: [0, 0, 0] }], params: none, valueOnly: true }] as [Sample<NoParams>, ...Sample<NoParams>[]],
};

/** d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a), taken as 0 where a = 0 (the limit for b > 0). */
function powPartials(a: Tensor, b: Tensor, y: Tensor): [() => Tensor, () => Tensor] {
  return [
    () => o.mul(b, o.pow(a, o.sub(b, 1))),
    () => {
      const zero = o.equal(a, 0);
      return o.where(zero, 0, o.mul(y, o.log(o.where(zero, 1, a))));
    },
  ];
}
export const pow: DifferentiablePrimitive<NoParams> = {
  name: "pow",
  differentiable: true,
  infer: binaryInfer("pow", false),
  jvp: ([a, b], [ta, tb], _p, y) => {
    const [da, db] = powPartials(a, b, y);
    return sumTangents(ta && o.mul(ta, da()), tb && o.mul(tb, db()));
  },
  vjp: (g, [a, b], _p, y, needs) => {
    const [da, db] = powPartials(a, b, y);
    return [needs[0] ? o.mul(g, da()) : null, needs[1] ? o.mul(g, db()) : null];
  },
  samples: [
    ...binarySamples([0.3, 2], [-1.5, 2.5], false),
    { label: "zero base", args: [{ shape: [3], values: [0, 0, 2] }, { shape: [3], values: [2, 0, 0] }], params: none, valueOnly: true },
    { label: "int32", args: [{ shape: [4], dtype: "int32", values: [2, 3, -2, 5] }, { shape: [4], dtype: "int32", values: [3, 2, 3, 0] }], params: none, valueOnly: true },
  ] as [Sample<NoParams>, ...Sample<NoParams>[]],
};

/** Where a = b, maximum and minimum split the derivative equally between both inputs (as JAX does). */
function selectPartial(a: Tensor, b: Tensor, wins: Tensor): Tensor {
  return o.where(o.equal(a, b), 0.5, o.cast(wins, a.dtype));
}
function minmax(name: "maximum" | "minimum"): DifferentiablePrimitive<NoParams> {
  const wins = (a: Tensor, b: Tensor) => (name === "maximum" ? o.greater(a, b) : o.less(a, b));
  return {
    name,
    differentiable: true,
    infer: binaryInfer(name, false),
    jvp: ([a, b], [ta, tb]) => {
      const da = selectPartial(a, b, wins(a, b));
      return sumTangents(ta && o.mul(ta, da), tb && o.mul(tb, o.sub(1, da)));
    },
    vjp: (g, [a, b]) => {
      const da = selectPartial(a, b, wins(a, b));
      return [o.mul(g, da), o.mul(g, o.sub(1, da))];
    },
    samples: [...binarySamples(), { label: "ties", args: [{ shape: [3], values: [1, 2, -1] }, { shape: [3], values: [1, 0, -1] }], params: none, valueOnly: true }] as [Sample<NoParams>, ...Sample<NoParams>[]],
  };
}
export const maximum = minmax("maximum");
export const minimum = minmax("minimum");

function sumTangents(a: Tensor | null, b: Tensor | null): Tensor | null {
  return a && b ? o.add(a, b) : a ?? b;
}

// ---- comparisons and logic: bool outputs, no derivative ----

function compare(name: string): NonDifferentiablePrimitive<NoParams> {
  return {
    name,
    differentiable: false,
    reason: "its output is bool",
    infer: (avals) => {
      sameDType(name, avals);
      return { shape: broadcastAvals(name, avals), dtype: "bool" };
    },
    samples: [
      ...BINARY_SHAPES.map(([a, b]): Sample<NoParams> => ({ args: [{ shape: a, dtype: "int32", range: [0, 3] }, { shape: b, dtype: "int32", range: [0, 3] }], params: none })),
      { label: "float with NaN", args: [{ shape: [4], values: [1, NaN, 2, -0] }, { shape: [4], values: [1, 1, NaN, 0] }], params: none },
    ] as unknown as [Sample<NoParams>, ...Sample<NoParams>[]],
  };
}
export const equal = compare("equal");
export const notEqual = compare("notEqual");
export const less = compare("less");
export const lessEqual = compare("lessEqual");
export const greater = compare("greater");
export const greaterEqual = compare("greaterEqual");

function logical(name: string, arity: 1 | 2): NonDifferentiablePrimitive<NoParams> {
  return {
    name,
    differentiable: false,
    reason: "its output is bool",
    infer: (avals) => {
      avals.forEach((a, i) => requireDType(name, a, "bool", i, "each input"));
      return { shape: broadcastAvals(name, avals), dtype: "bool" };
    },
    samples: [{ args: Array.from({ length: arity }, () => ({ shape: [2, 3], dtype: "bool" as DType })), params: none }],
  };
}
export const logicalAnd = logical("logicalAnd", 2);
export const logicalOr = logical("logicalOr", 2);
export const logicalNot = logical("logicalNot", 1);

// ---- where and cast ----

/**
 * where(cond, a, b). Reverse mode sends the cotangent to the branch taken and zero to the other; a NaN
 * in the untaken branch's own derivative still poisons the result (0 * NaN), as in JAX: see the
 * "double where" note in docs/ops.md.
 */
export const where: DifferentiablePrimitive<NoParams> = {
  name: "where",
  differentiable: true,
  infer: (avals) => {
    requireDType("where", avals[0], "bool", 0, "the condition");
    sameDType("where", avals.slice(1));
    return { shape: broadcastAvals("where", avals), dtype: avals[1].dtype };
  },
  jvp: ([c, a], [, ta, tb]) => o.where(c, ta ?? o.zerosLike(a), tb ?? o.zerosLike(a)),
  vjp: (g, [c], _p, _o, needs) => {
    const zero = o.zerosLike(g);
    return [null, needs[1] ? o.where(c, g, zero) : null, needs[2] ? o.where(c, zero, g) : null];
  },
  samples: [
    { args: [{ shape: [2, 3], dtype: "bool" }, { shape: [2, 3] }, { shape: [2, 3] }], params: none },
    { label: "broadcast", args: [{ shape: [3], dtype: "bool" }, { shape: [2, 1] }, { shape: [] }], params: none, wrt: [1, 2] },
  ],
};

export interface CastParams {
  dtype: DType;
}
export const cast: DifferentiablePrimitive<CastParams> = {
  name: "cast",
  differentiable: true,
  infer: ([a], { dtype }) => ({ shape: a.shape, dtype }),
  jvp: ([a], [t], { dtype }) => (o.isFloatTensor(a) ? o.cast(t!, dtype) : null),
  vjp: (g, [a]) => [o.isFloatTensor(a) ? o.cast(g, a.dtype) : null],
  samples: [
    // float32 output: finite differences need a larger step and tolerance.
    { args: [{ shape: [2, 3] }], params: { dtype: "float32" }, tol: { rtol: 1e-3, atol: 1e-4, eps: 1e-2 } },
    { label: "to int32", args: [{ shape: [6], values: [-1.7, -0.5, 0.5, 1.5, 2.9, -0] }], params: { dtype: "int32" }, valueOnly: true },
    { label: "to bool", args: [{ shape: [4], values: [0, -0, 2, NaN] }], params: { dtype: "bool" }, valueOnly: true },
    { label: "from int32", args: [{ shape: [4], dtype: "int32", range: [-5, 5] }], params: { dtype: "float64" }, valueOnly: true },
  ],
};
