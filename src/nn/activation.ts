/**
 * Activation layers: parameter-free elementwise (or, for softmax, per-row) functions wrapped as
 * layers so that a model is a list of layers. Each is the `gn` op of the same name; NaN and
 * infinity behave as that op documents.
 */
import { ValueError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import * as ops from "../ops/elementwise.js";
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp } from "../ops/reduce.js";
import { type Layer, NO_STATE } from "./layer.js";

/** JSON description of an activation layer. */
export type ActivationSpec =
  | { type: "identity" }
  | { type: "relu" }
  | { type: "leakyRelu"; alpha: number }
  | { type: "elu"; alpha: number }
  | { type: "gelu"; approximate: boolean }
  | { type: "tanh" }
  | { type: "sigmoid" }
  | { type: "softplus" }
  | { type: "silu" }
  | { type: "softmax"; axis: number }
  | { type: "logSoftmax"; axis: number };

/** The activation types, for spec parsing. */
export type ActivationType = ActivationSpec["type"];

type Fns = { [K in ActivationType]: (x: Tensor, spec: Extract<ActivationSpec, { type: K }>) => Tensor };

const fns: Fns = {
  identity: (x) => x,
  relu: (x) => ops.relu(x),
  leakyRelu: (x, s) => ops.leakyRelu(x, s.alpha),
  elu: (x, s) => ops.elu(x, s.alpha),
  gelu: (x, s) => ops.gelu(x, s.approximate),
  tanh: (x) => ops.tanh(x),
  sigmoid: (x) => ops.sigmoid(x),
  softplus: (x) => ops.softplus(x),
  silu: (x) => ops.mul(x, ops.sigmoid(x)),
  softmax: (x, s) => softmaxOp(x, s.axis),
  logSoftmax: (x, s) => logSoftmaxOp(x, s.axis),
};

/** @internal The activation types (keys of the table). */
export const ACTIVATION_TYPES = Object.keys(fns) as ActivationType[];

const displayNames: Record<ActivationType, string> = {
  identity: "Identity", relu: "ReLU", leakyRelu: "LeakyReLU", elu: "ELU", gelu: "GELU", tanh: "Tanh",
  sigmoid: "Sigmoid", softplus: "Softplus", silu: "SiLU", softmax: "Softmax", logSoftmax: "LogSoftmax",
};

function make<S extends ActivationSpec>(spec: S, detail = ""): Layer<S> {
  const f = fns[spec.type] as (x: Tensor, s: S) => Tensor;
  return {
    name: `${displayNames[spec.type]}${detail}`,
    spec,
    init: () => ({ params: {}, state: NO_STATE }),
    apply: (_params, x) => ({ y: f(x, spec), state: NO_STATE }),
    outputShape: (s) => [...s],
  };
}

function finite(op: string, name: string, v: number): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ValueError(`${op}: ${name} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function axisArg(op: string, axis: number): number {
  if (!Number.isInteger(axis)) throw new ValueError(`${op}: axis must be an integer (of the batched input; negative counts from the end), got ${JSON.stringify(axis)}`);
  return axis;
}

/** The identity layer (handy as a residual shortcut). @example gn.nn.identity().apply({}, x).y === x */
export function identity(): Layer<{ type: "identity" }> {
  return make({ type: "identity" });
}

/** ReLU layer: max(x, 0). @example gn.nn.sequential([gn.nn.linear(4, 8), gn.nn.relu()]) */
export function relu(): Layer<{ type: "relu" }> {
  return make({ type: "relu" });
}

/** Leaky ReLU layer: x for x > 0, alpha x otherwise (default alpha 0.01). @example gn.nn.leakyRelu(0.1) */
export function leakyRelu(alpha = 0.01): Layer<{ type: "leakyRelu"; alpha: number }> {
  return make({ type: "leakyRelu", alpha: finite("nn.leakyRelu", "alpha", alpha) }, `(${alpha})`);
}

/** ELU layer: x for x > 0, alpha (e^x - 1) otherwise (default alpha 1). @example gn.nn.elu() */
export function elu(alpha = 1): Layer<{ type: "elu"; alpha: number }> {
  return make({ type: "elu", alpha: finite("nn.elu", "alpha", alpha) }, `(${alpha})`);
}

/** GELU layer, exact (erf) or with the tanh approximation. @example gn.nn.gelu({ approximate: true }) */
export function gelu(opts: { approximate?: boolean } = {}): Layer<{ type: "gelu"; approximate: boolean }> {
  const approximate = opts.approximate ?? false;
  return make({ type: "gelu", approximate }, approximate ? "(tanh)" : "");
}

/** Tanh layer. @example gn.nn.tanh() */
export function tanh(): Layer<{ type: "tanh" }> {
  return make({ type: "tanh" });
}

/** Sigmoid layer: 1 / (1 + e^-x). @example gn.nn.sigmoid() */
export function sigmoid(): Layer<{ type: "sigmoid" }> {
  return make({ type: "sigmoid" });
}

/** Softplus layer: log(1 + e^x), stable for large |x|. @example gn.nn.softplus() */
export function softplus(): Layer<{ type: "softplus" }> {
  return make({ type: "softplus" });
}

/** SiLU (swish) layer: x sigmoid(x). @example gn.nn.silu() */
export function silu(): Layer<{ type: "silu" }> {
  return make({ type: "silu" });
}

/**
 * Softmax layer along `axis` of the batched input (default -1, the last). For training, prefer
 * raw logits with `gn.losses.softmaxCrossEntropy`, which is more stable than log(softmax).
 * @example gn.nn.softmax()
 */
export function softmax(axis = -1): Layer<{ type: "softmax"; axis: number }> {
  return make({ type: "softmax", axis: axisArg("nn.softmax", axis) }, axis === -1 ? "" : `(axis ${axis})`);
}

/** Log-softmax layer along `axis` of the batched input (default -1). @example gn.nn.logSoftmax() */
export function logSoftmax(axis = -1): Layer<{ type: "logSoftmax"; axis: number }> {
  return make({ type: "logSoftmax", axis: axisArg("nn.logSoftmax", axis) }, axis === -1 ? "" : `(axis ${axis})`);
}

/**
 * An activation layer by name, with its options (alpha, approximate, axis) where it has any.
 * @example gn.nn.activation("tanh")
 * @example gn.nn.activation("leakyRelu", { alpha: 0.2 })
 */
export function activation(type: ActivationType, opts: { alpha?: number; approximate?: boolean; axis?: number } = {}): Layer<ActivationSpec> {
  switch (type) {
    case "identity": return identity();
    case "relu": return relu();
    case "leakyRelu": return leakyRelu(opts.alpha);
    case "elu": return elu(opts.alpha);
    case "gelu": return gelu({ approximate: opts.approximate });
    case "tanh": return tanh();
    case "sigmoid": return sigmoid();
    case "softplus": return softplus();
    case "silu": return silu();
    case "softmax": return softmax(opts.axis);
    case "logSoftmax": return logSoftmax(opts.axis);
    default:
      throw new ValueError(`nn.activation: unknown activation ${JSON.stringify(type)}; use one of ${ACTIVATION_TYPES.join(", ")}`);
  }
}
