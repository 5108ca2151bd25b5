/**
 * The Layer contract. A layer is a description (its JSON `spec`) plus two pure functions:
 * `init(key)` makes its parameters and state, `apply(params, x, ctx)` computes its output and new
 * state. Parameters and state are plain trees of tensors that the caller holds and passes in, so
 * `gn.grad` differentiates a model with respect to its parameters with no registration step, and a
 * checkpoint is the trees plus the spec. See docs/design/002-nn-layers.md.
 *
 * Shapes given to `init` and `outputShape` are per-sample (no batch axis): a layer fed x of shape
 * [N, ...s] returns y of shape [N, ...outputShape(s)].
 */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import type { Tree } from "../core/tree.js";
import type { Key } from "../random/index.js";
import type { LayerSpec } from "./spec.js";

/** What `apply` may receive besides the parameters and input. */
export interface ApplyContext {
  /** The layer's state from `init` or from the previous `apply` (needed by BatchNorm). */
  state?: Tree;
  /** A PRNG key, needed when training a layer that samples (Dropout). */
  key?: Key;
  /** Training mode (BatchNorm uses batch statistics and updates its running ones; Dropout drops). Default false. */
  training?: boolean;
}

/** The output of `apply`: the layer's value and its new state (the old one when nothing changed). */
export interface ApplyResult {
  y: Tensor;
  state: Tree;
}

/** The output of `init`: parameters (differentiated by training) and state (carried, not differentiated). */
export interface Initialized {
  params: Tree;
  state: Tree;
}

/**
 * A layer: a JSON-describable, pure pair of functions over explicit parameter and state trees.
 * @example
 * const layer = gn.nn.linear(3, 2);
 * const { params, state } = layer.init(gn.random.key(0));
 * const { y } = layer.apply(params, gn.ones([5, 3]), { state });   // y.shape = [5, 2]
 * JSON.stringify(layer.spec); // {"type":"linear","in":3,"out":2,...}
 */
export interface Layer<S extends LayerSpec = LayerSpec> {
  /** A readable one-line description, e.g. "Linear(3 -> 2)". */
  readonly name: string;
  /** The architecture as JSON; `gn.nn.fromSpec(layer.spec)` rebuilds an equal layer. */
  readonly spec: S;
  /** Makes parameters and state (a key is needed for random initialisers; `inputShape`, when given, is checked). */
  init(key: Key, inputShape?: readonly number[]): Initialized;
  /** Computes the output on a batch x and returns the new state. */
  apply(params: Tree, x: Tensor, ctx?: ApplyContext): ApplyResult;
  /** The per-sample output shape for a per-sample input shape; throws a ShapeError when they do not fit. */
  outputShape(inputShape: readonly number[]): number[];
  /** Sub-layers of a composite (the key is where each one's params and state sit), for summaries. */
  readonly children?: readonly (readonly [string, Layer])[];
}

/** @internal Reads a named tensor from a parameter tree, with an error that says what is missing. */
export function param(op: string, params: Tree, name: string): Tensor {
  const p = params !== null && typeof params === "object" && !Array.isArray(params) && !(params instanceof Tensor) ? (params as Record<string, Tree>)[name] : undefined;
  if (!(p instanceof Tensor))
    throw new ValueError(`${op}: the parameters have no tensor "${name}"; pass the params returned by this layer's init (got ${describeTree(params)})`);
  return p;
}

/** @internal Reads a named subtree (a child's params or state); a missing one gives undefined. */
export function child(tree: Tree | undefined, name: string): Tree | undefined {
  if (tree === null || tree === undefined || typeof tree !== "object" || tree instanceof Tensor || Array.isArray(tree)) return undefined;
  return (tree as Record<string, Tree>)[name];
}

function describeTree(t: Tree | undefined): string {
  if (t instanceof Tensor) return `a tensor of shape ${fmtShape(t.shape)}`;
  if (t === null || t === undefined) return String(t);
  if (Array.isArray(t)) return `an array of ${t.length}`;
  if (typeof t === "object") return `an object with keys [${Object.keys(t).join(", ")}]`;
  return typeof t;
}

/** @internal Checks a positive integer argument of a layer constructor. */
export function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ValueError(`${op}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** @internal Checks a number argument within [lo, hi] (hi exclusive when `hiOpen`). */
export function numberIn(op: string, name: string, v: unknown, lo: number, hi: number, hiOpen = false): number {
  if (typeof v !== "number" || !(v >= lo) || !(hiOpen ? v < hi : v <= hi))
    throw new ValueError(`${op}: ${name} must be a number in [${lo}, ${hi}${hiOpen ? ")" : "]"}, got ${JSON.stringify(v)}`);
  return v;
}

/** @internal The float dtypes a layer's parameters can have. */
export type ParamDType = "float32" | "float64";

/** @internal Checks a parameter dtype option. */
export function paramDType(op: string, v: unknown): ParamDType {
  if (v === undefined) return "float32";
  if (v !== "float32" && v !== "float64") throw new ValueError(`${op}: dtype must be "float32" or "float64", got ${JSON.stringify(v)}`);
  return v;
}

/** @internal A stateless layer's state. */
export const NO_STATE: Tree = {};
