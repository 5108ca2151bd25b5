/**
 * Layer specs: the architecture as JSON. Every layer carries its `spec`; `fromSpec` rebuilds the
 * layer from it (checkpoints store `JSON.stringify(model.spec)` next to the parameter tensors).
 * Specs are validated: an unknown type, an unknown or missing field, or a bad value throws a
 * ValueError naming the path inside the spec.
 */
import { ValueError } from "../core/errors.js";
import * as act from "./activation.js";
import type { ActivationSpec } from "./activation.js";
import type { Layer } from "./layer.js";
import { type LinearSpec, linear } from "./linear.js";
import { type SequentialSpec, sequential } from "./sequential.js";
import { type AvgPool2dSpec, type Conv2dSpec, type GlobalAvgPool2dSpec, type MaxPool2dSpec, avgPool2d, conv2d, globalAvgPool2d, maxPool2d } from "./conv.js";
import { type BatchNormSpec, type LayerNormSpec, batchNorm, layerNorm } from "./norm.js";
import { type DropoutSpec, dropout } from "./dropout.js";
import { type EmbeddingSpec, embedding } from "./embedding.js";
import { type FlattenSpec, type ReshapeSpec, flatten, reshape } from "./reshape.js";
import { type ResidualSpec, residual } from "./residual.js";

/** The JSON description of any layer (the `type` field says which). */
export type LayerSpec =
  | LinearSpec
  | ActivationSpec
  | SequentialSpec
  | Conv2dSpec
  | MaxPool2dSpec
  | AvgPool2dSpec
  | GlobalAvgPool2dSpec
  | BatchNormSpec
  | LayerNormSpec
  | DropoutSpec
  | EmbeddingSpec
  | FlattenSpec
  | ReshapeSpec
  | ResidualSpec;

/** Every layer type a spec can name. */
export type LayerType = LayerSpec["type"];

type Fields = Record<string, unknown>;
type Builder<S> = (spec: Fields, path: string) => Layer<S & LayerSpec>;
// A typed table: adding a spec type without a builder is a compile error.
type Builders = { [K in LayerType]: { fields: readonly string[]; build: Builder<Extract<LayerSpec, { type: K }>> } };

const noFields: readonly string[] = [];

const builders: Builders = {
  linear: {
    fields: ["in", "out", "bias", "init", "biasInit", "dtype"],
    build: (s) => linear(s.in as number, s.out as number, { bias: bool(s, "bias"), init: s.init as never, biasInit: s.biasInit as never, dtype: s.dtype as never }),
  },
  identity: { fields: noFields, build: () => act.identity() },
  relu: { fields: noFields, build: () => act.relu() },
  leakyRelu: { fields: ["alpha"], build: (s) => act.leakyRelu(s.alpha as number | undefined) },
  elu: { fields: ["alpha"], build: (s) => act.elu(s.alpha as number | undefined) },
  gelu: { fields: ["approximate"], build: (s) => act.gelu({ approximate: bool(s, "approximate") }) },
  tanh: { fields: noFields, build: () => act.tanh() },
  sigmoid: { fields: noFields, build: () => act.sigmoid() },
  softplus: { fields: noFields, build: () => act.softplus() },
  silu: { fields: noFields, build: () => act.silu() },
  softmax: { fields: ["axis"], build: (s) => act.softmax(s.axis as number | undefined) },
  logSoftmax: { fields: ["axis"], build: (s) => act.logSoftmax(s.axis as number | undefined) },
  conv2d: {
    fields: ["in", "out", "kernelSize", "stride", "padding", "dilation", "groups", "bias", "init", "biasInit", "dtype"],
    build: (s) =>
      conv2d(s.in as number, s.out as number, s.kernelSize as never, {
        stride: s.stride as never, padding: s.padding as never, dilation: s.dilation as never, groups: s.groups as number | undefined,
        bias: bool(s, "bias"), init: s.init as never, biasInit: s.biasInit as never, dtype: s.dtype as never,
      }),
  },
  maxPool2d: {
    fields: ["kernelSize", "stride", "padding", "dilation"],
    build: (s) => maxPool2d(s.kernelSize as never, { stride: s.stride as never, padding: s.padding as never, dilation: s.dilation as never }),
  },
  avgPool2d: {
    fields: ["kernelSize", "stride", "padding", "countIncludePad"],
    build: (s) => avgPool2d(s.kernelSize as never, { stride: s.stride as never, padding: s.padding as never, countIncludePad: bool(s, "countIncludePad") }),
  },
  globalAvgPool2d: { fields: noFields, build: () => globalAvgPool2d() },
  batchNorm: {
    fields: ["features", "momentum", "eps", "affine", "dtype"],
    build: (s) => batchNorm(s.features as number, { momentum: s.momentum as number | undefined, eps: s.eps as number | undefined, affine: bool(s, "affine"), dtype: s.dtype as never }),
  },
  layerNorm: {
    fields: ["shape", "eps", "affine", "dtype"],
    build: (s) => layerNorm(s.shape as number[], { eps: s.eps as number | undefined, affine: bool(s, "affine"), dtype: s.dtype as never }),
  },
  dropout: { fields: ["rate"], build: (s) => dropout(s.rate as number) },
  embedding: {
    fields: ["num", "dim", "init", "dtype"],
    build: (s) => embedding(s.num as number, s.dim as number, { init: s.init as never, dtype: s.dtype as never }),
  },
  flatten: { fields: noFields, build: () => flatten() },
  reshape: { fields: ["shape"], build: (s) => reshape(s.shape as number[]) },
  residual: {
    fields: ["block", "shortcut"],
    build: (s, path) => residual(build(s.block, `${path}.block`), s.shortcut === null || s.shortcut === undefined ? undefined : build(s.shortcut, `${path}.shortcut`)),
  },
  sequential: {
    fields: ["layers"],
    build: (s, path) => {
      if (!Array.isArray(s.layers)) throw new ValueError(`nn.fromSpec: ${path}.layers must be an array of layer specs`);
      return sequential(s.layers.map((l, i) => build(l, `${path}.layers[${i}]`)));
    },
  },
};

function bool(s: Fields, name: string): boolean | undefined {
  const v = s[name];
  if (v !== undefined && typeof v !== "boolean") throw new ValueError(`nn.fromSpec: field "${name}" must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** @internal Builds a layer from a spec at `path` (for composite builders). */
export function build(spec: unknown, path: string): Layer {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec))
    throw new ValueError(`nn.fromSpec: ${path} must be an object like {"type": "linear", ...}, got ${JSON.stringify(spec)}`);
  const s = spec as Fields;
  const type = s.type;
  if (typeof type !== "string" || !Object.prototype.hasOwnProperty.call(builders, type))
    throw new ValueError(`nn.fromSpec: ${path}.type is ${JSON.stringify(type)}; known types: ${Object.keys(builders).join(", ")}`);
  const entry = builders[type as LayerType];
  for (const k of Object.keys(s))
    if (k !== "type" && !entry.fields.includes(k))
      throw new ValueError(`nn.fromSpec: ${path} (type "${type}") has an unknown field "${k}"; its fields are ${entry.fields.length ? entry.fields.join(", ") : "none"}`);
  try {
    return (entry.build as Builder<LayerSpec>)(s, path);
  } catch (e) {
    // Constructor errors name the constructor; add where in the spec the bad value sits.
    if (e instanceof ValueError && !e.message.startsWith("nn.fromSpec")) throw new ValueError(`nn.fromSpec: ${path}: ${e.message}`);
    throw e;
  }
}

/**
 * Rebuilds a layer (or a whole model) from its JSON spec, e.g. one read from a checkpoint.
 * Missing optional fields take the constructor's defaults.
 * @example
 * const model = gn.nn.sequential([gn.nn.linear(4, 8), gn.nn.relu(), gn.nn.linear(8, 2)]);
 * const again = gn.nn.fromSpec(JSON.parse(JSON.stringify(model.spec)));
 */
export function fromSpec(spec: unknown): Layer {
  return build(spec, "spec");
}

/** @internal The layer types fromSpec knows (for error messages and tests). */
export const LAYER_TYPES = Object.keys(builders) as LayerType[];
