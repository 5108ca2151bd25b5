/**
 * Elementwise ops with NumPy broadcasting and type promotion. A JavaScript number is "weakly typed":
 * it takes the dtype of the tensor it meets (a non-integer number with an int32 tensor gives float32).
 * bool tensors count as int32 in arithmetic. Float-only ops (exp, log, ...) turn int32/bool into float32.
 *
 * NaN and infinity follow IEEE 754 as in NumPy: they propagate through arithmetic; comparisons with NaN
 * are false (notEqual is true); maximum/minimum propagate NaN.
 */
import { getBackend } from "../backends/registry.js";
import { type DType, isFloat, promoteTypes, toFloat } from "../core/dtype.js";
import { Tensor, type TensorOrNumber } from "../core/tensor.js";
import { bind } from "../engine/trace.js";
import type { PrimName } from "./prims/index.js";
import { DEFAULT_FLOAT, scalar } from "./creation.js";
import { DTypeError } from "../core/errors.js";

/** Cached constants by backend, dtype and value (-0 under its own key: a Map would merge it with 0). */
const scalarCache = new Map<object, Map<DType, Map<number | "-0", Tensor>>>();
const CACHE_LIMIT = 4096;

/** @internal A cached 0-d constant (constants are immutable, so sharing them is safe). */
export function constant(value: number, dtype: DType): Tensor {
  const backend = getBackend();
  let byDType = scalarCache.get(backend);
  if (byDType === undefined) scalarCache.set(backend, (byDType = new Map()));
  let byValue = byDType.get(dtype);
  if (byValue === undefined) byDType.set(dtype, (byValue = new Map()));
  const key = value === 0 && 1 / value < 0 ? "-0" : value;
  let t = byValue.get(key);
  if (t === undefined || t._backend === null) {
    t = scalar(value, dtype);
    if (byValue.size > CACHE_LIMIT) byValue.clear();
    byValue.set(key, t);
  }
  return t;
}

/** @internal True when x is a float32 or float64 tensor. */
export function isFloatTensor(x: Tensor): boolean {
  return isFloat(x.dtype);
}

function asArith(x: Tensor): Tensor {
  return x.dtype === "bool" ? cast(x, "int32") : x;
}

function numberDType(v: number, other: DType): DType {
  if (other === "bool") return Number.isInteger(v) ? "int32" : DEFAULT_FLOAT;
  if (other === "int32" && !Number.isInteger(v)) return DEFAULT_FLOAT;
  return other;
}

/** @internal Converts two operands to tensors of one dtype, following the promotion rules above. */
export function coerce(a: TensorOrNumber, b: TensorOrNumber, arith: boolean, floatOnly = false): [Tensor, Tensor] {
  let ta: Tensor;
  let tb: Tensor;
  if (a instanceof Tensor && b instanceof Tensor) {
    ta = a;
    tb = b;
  } else if (a instanceof Tensor) {
    ta = a;
    tb = constant(b as number, numberDType(b as number, a.dtype));
  } else if (b instanceof Tensor) {
    tb = b;
    ta = constant(a, numberDType(a, b.dtype));
  } else {
    ta = constant(a, DEFAULT_FLOAT);
    tb = constant(b, DEFAULT_FLOAT);
  }
  if (arith) {
    ta = asArith(ta);
    tb = asArith(tb);
  }
  let dtype = promoteTypes(ta.dtype, tb.dtype);
  if (floatOnly) dtype = toFloat(dtype);
  if (ta.dtype !== dtype) ta = cast(ta, dtype);
  if (tb.dtype !== dtype) tb = cast(tb, dtype);
  return [ta, tb];
}

/** Params of the primitives that take none (shared: params are never mutated). */
const NO_PARAMS = {} as never;

function binary(name: PrimName, a: TensorOrNumber, b: TensorOrNumber, floatOnly = false): Tensor {
  // Fast path: two float tensors of one dtype need no promotion.
  if (a instanceof Tensor && b instanceof Tensor && a.dtype === b.dtype && isFloat(a.dtype)) return bind(name, [a, b], NO_PARAMS);
  const [x, y] = coerce(a, b, true, floatOnly);
  return bind(name, [x, y], NO_PARAMS);
}

function unaryFloat(name: PrimName, x: TensorOrNumber): Tensor {
  let t = x instanceof Tensor ? x : constant(x, DEFAULT_FLOAT);
  if (!isFloat(t.dtype)) t = cast(t, toFloat(t.dtype));
  return bind(name, [t], NO_PARAMS);
}

function unaryNumeric(name: PrimName, x: TensorOrNumber): Tensor {
  const t = x instanceof Tensor ? asArith(x) : constant(x, DEFAULT_FLOAT);
  return bind(name, [t], NO_PARAMS);
}

function compare(name: PrimName, a: TensorOrNumber, b: TensorOrNumber): Tensor {
  const [x, y] = coerce(a, b, true);
  return bind(name, [x, y], {} as never);
}

/** Converts to `dtype`. Float to int32 truncates toward zero (NaN gives 0); to bool, nonzero (and NaN) is true. Differentiable between float dtypes. @example gn.cast(gn.tensor([1.7]), "int32") // [1] */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return bind("cast", [x], { dtype });
}

/** a + b. @example gn.add(gn.tensor([1, 2]), 10) // [11, 12] */
export function add(a: TensorOrNumber, b: TensorOrNumber): Tensor { return binary("add", a, b); }
/** a - b. @example gn.sub(gn.tensor([1, 2]), 1) // [0, 1] */
export function sub(a: TensorOrNumber, b: TensorOrNumber): Tensor { return binary("sub", a, b); }
/** a * b. @example gn.mul(gn.tensor([1, 2]), gn.tensor([3, 4])) // [3, 8] */
export function mul(a: TensorOrNumber, b: TensorOrNumber): Tensor { return binary("mul", a, b); }
/** a / b, always in floats (true division; x/0 is ±Infinity, 0/0 is NaN). @example gn.div(1, gn.tensor([2, 4])) // [0.5, 0.25] */
export function div(a: TensorOrNumber, b: TensorOrNumber): Tensor { return binary("div", a, b, true); }
/** a ** b. Integer tensors stay integer. d/db at a = 0 is taken as 0. @example gn.pow(gn.tensor([2, 3]), 2) // [4, 9] */
export function pow(a: TensorOrNumber, b: TensorOrNumber): Tensor { return binary("pow", a, b); }
/** Elementwise maximum; NaN propagates; at ties the derivative is split equally. @example gn.maximum(gn.tensor([1, 5]), 3) // [3, 5] */
export function maximum(a: TensorOrNumber, b: TensorOrNumber): Tensor { return binary("maximum", a, b); }
/** Elementwise minimum; NaN propagates; at ties the derivative is split equally. @example gn.minimum(gn.tensor([1, 5]), 3) // [1, 3] */
export function minimum(a: TensorOrNumber, b: TensorOrNumber): Tensor { return binary("minimum", a, b); }

/** -x. @example gn.neg(gn.tensor([1, -2])) // [-1, 2] */
export function neg(x: TensorOrNumber): Tensor { return unaryNumeric("neg", x); }
/** |x|; its derivative at 0 is 0. @example gn.abs(gn.tensor([-1, 2])) // [1, 2] */
export function abs(x: TensorOrNumber): Tensor { return unaryNumeric("abs", x); }
/** -1, 0 or 1 (0 for ±0, NaN for NaN). No derivative (it is zero where it exists). @example gn.sign(gn.tensor([-3, 0, 2])) // [-1, 0, 1] */
export function sign(x: TensorOrNumber): Tensor { return unaryNumeric("sign", x); }
/** e^x. @example gn.exp(gn.tensor([0, 1])) // [1, 2.718...] */
export function exp(x: TensorOrNumber): Tensor { return unaryFloat("exp", x); }
/** Natural log; log(0) = -Infinity, log(x < 0) = NaN; derivative 1/x (Infinity at 0). @example gn.log(gn.tensor([1, Math.E])) // [0, 1] */
export function log(x: TensorOrNumber): Tensor { return unaryFloat("log", x); }
/** log(1 + x), accurate for small x. @example gn.log1p(gn.tensor([1e-10])) // [1e-10] */
export function log1p(x: TensorOrNumber): Tensor { return unaryFloat("log1p", x); }
/** e^x - 1, accurate for small x. @example gn.expm1(gn.tensor([1e-10])) // [1e-10] */
export function expm1(x: TensorOrNumber): Tensor { return unaryFloat("expm1", x); }
/** Square root; sqrt(x < 0) = NaN; derivative 1/(2 sqrt x), +Infinity at 0. @example gn.sqrt(gn.tensor([4, 9])) // [2, 3] */
export function sqrt(x: TensorOrNumber): Tensor { return unaryFloat("sqrt", x); }
/** 1/x (±Infinity at ±0). @example gn.reciprocal(gn.tensor([2, 4])) // [0.5, 0.25] */
export function reciprocal(x: TensorOrNumber): Tensor { return unaryFloat("reciprocal", x); }
/** Sine. @example gn.sin(gn.tensor([0])) // [0] */
export function sin(x: TensorOrNumber): Tensor { return unaryFloat("sin", x); }
/** Cosine. @example gn.cos(gn.tensor([0])) // [1] */
export function cos(x: TensorOrNumber): Tensor { return unaryFloat("cos", x); }
/** Tangent. @example gn.tan(gn.tensor([0])) // [0] */
export function tan(x: TensorOrNumber): Tensor { return unaryFloat("tan", x); }
/** Hyperbolic tangent. @example gn.tanh(gn.tensor([0])) // [0] */
export function tanh(x: TensorOrNumber): Tensor { return unaryFloat("tanh", x); }
/** 1 / (1 + e^-x), computed without overflow for large |x|. @example gn.sigmoid(gn.tensor([0])) // [0.5] */
export function sigmoid(x: TensorOrNumber): Tensor { return unaryFloat("sigmoid", x); }
/** log(1 + e^x), computed without overflow (softplus(800) = 800). @example gn.softplus(gn.tensor([0])) // [0.693...] */
export function softplus(x: TensorOrNumber): Tensor { return unaryFloat("softplus", x); }
/** The error function. @example gn.erf(gn.tensor([0])) // [0] */
export function erf(x: TensorOrNumber): Tensor { return unaryFloat("erf", x); }
/** max(x, 0); derivative 0 at x = 0. @example gn.relu(gn.tensor([-1, 2])) // [0, 2] */
export function relu(x: TensorOrNumber): Tensor { return unaryFloat("relu", x); }
/** Rounds down. No derivative. @example gn.floor(gn.tensor([1.5, -1.5])) // [1, -2] */
export function floor(x: TensorOrNumber): Tensor { return unaryFloat("floor", x); }
/** Rounds up. No derivative. @example gn.ceil(gn.tensor([1.5])) // [2] */
export function ceil(x: TensorOrNumber): Tensor { return unaryFloat("ceil", x); }
/** Rounds to the nearest integer, halves to even (as NumPy). No derivative. @example gn.round(gn.tensor([0.5, 1.5])) // [0, 2] */
export function round(x: TensorOrNumber): Tensor { return unaryFloat("round", x); }

/** x * x. @example gn.square(gn.tensor([3])) // [9] */
export function square(x: TensorOrNumber): Tensor {
  const t = x instanceof Tensor ? x : constant(x, DEFAULT_FLOAT);
  return mul(t, t);
}
/** max(x, alpha x) (alpha default 0.01). @example gn.leakyRelu(gn.tensor([-1, 1]), 0.1) // [-0.1, 1] */
export function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  return where(greater(x, 0), x, mul(x, alpha));
}
/** x for x > 0, alpha (e^x - 1) otherwise (alpha default 1). @example gn.elu(gn.tensor([-1, 1])) */
export function elu(x: Tensor, alpha = 1): Tensor {
  const positive = greater(x, 0);
  // expm1 of min(x, 0): the untaken branch stays finite, so its derivative cannot be NaN.
  return where(positive, x, mul(expm1(minimum(x, 0)), alpha));
}
/**
 * Gaussian error linear unit: x Φ(x) with the exact erf form, or the tanh approximation when
 * `approximate` is true (as in PyTorch's gelu(approximate="tanh")).
 * @example gn.gelu(gn.tensor([1])) // [0.8413...]
 */
export function gelu(x: Tensor, approximate = false): Tensor {
  if (approximate) {
    const inner = mul(add(x, mul(pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(x, 0.5), add(tanh(inner), 1));
  }
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/**
 * Limits x to [min, max] (either may be null). The derivative is 1 inside and 0 outside; at a bound
 * it is split, as maximum/minimum split ties.
 * @example gn.clip(gn.tensor([-2, 0.5, 3]), 0, 1) // [0, 0.5, 1]
 */
export function clip(x: Tensor, min: TensorOrNumber | null, max: TensorOrNumber | null): Tensor {
  let y = x;
  if (min !== null) y = maximum(y, min);
  if (max !== null) y = minimum(y, max);
  return y;
}

/**
 * Picks a where cond is true, b elsewhere (broadcasting all three). cond must be bool.
 * Gradients flow only to the branch taken, but a NaN or infinity in the untaken branch's derivative
 * still gives NaN (0 * NaN): guard the input of that branch too ("double where"; see docs/ops.md).
 * @example gn.where(gn.tensor([true, false]), 1, gn.tensor([5, 6])) // [1, 6]
 */
export function where(cond: Tensor, a: TensorOrNumber, b: TensorOrNumber): Tensor {
  if (cond.dtype !== "bool") throw new DTypeError(`where: the condition must be a bool tensor, got ${cond.dtype}; compare first, e.g. gn.greater(x, 0)`);
  const [x, y] = coerce(a, b, false);
  return bind("where", [cond, x, y], {} as never);
}

/** a == b (bool). @example gn.equal(gn.tensor([1, 2]), 2) // [false, true] */
export function equal(a: TensorOrNumber, b: TensorOrNumber): Tensor { return compare("equal", a, b); }
/** a != b (bool). */
export function notEqual(a: TensorOrNumber, b: TensorOrNumber): Tensor { return compare("notEqual", a, b); }
/** a < b (bool). */
export function less(a: TensorOrNumber, b: TensorOrNumber): Tensor { return compare("less", a, b); }
/** a <= b (bool). */
export function lessEqual(a: TensorOrNumber, b: TensorOrNumber): Tensor { return compare("lessEqual", a, b); }
/** a > b (bool). @example gn.greater(gn.tensor([1, 3]), 2) // [false, true] */
export function greater(a: TensorOrNumber, b: TensorOrNumber): Tensor { return compare("greater", a, b); }
/** a >= b (bool). */
export function greaterEqual(a: TensorOrNumber, b: TensorOrNumber): Tensor { return compare("greaterEqual", a, b); }
/** Elementwise AND of bool tensors. */
export function logicalAnd(a: Tensor, b: Tensor): Tensor { return bind("logicalAnd", [a, b], {} as never); }
/** Elementwise OR of bool tensors. */
export function logicalOr(a: Tensor, b: Tensor): Tensor { return bind("logicalOr", [a, b], {} as never); }
/** Elementwise NOT of a bool tensor. */
export function logicalNot(a: Tensor): Tensor { return bind("logicalNot", [a], {} as never); }
/** True where x is NaN. @example gn.isNaN(gn.tensor([NaN, 1])) // [true, false] */
export function isNaN(x: Tensor): Tensor { return notEqual(x, x); }
/** True where x is finite (not NaN or ±Infinity). */
export function isFinite(x: Tensor): Tensor {
  if (!isFloat(x.dtype)) return equal(x, x); // integers are always finite
  return logicalAnd(equal(x, x), less(abs(x), Infinity));
}
