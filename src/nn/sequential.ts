/** Sequential composition: the output of each layer feeds the next. */
import { ShapeError, ValueError } from "../core/errors.js";
import type { Tree } from "../core/tree.js";
import * as random from "../random/index.js";
import { type Layer, child } from "./layer.js";
import type { LayerSpec } from "./spec.js";

/** JSON description of a Sequential stack. */
export interface SequentialSpec {
  type: "sequential";
  layers: LayerSpec[];
}

/** @internal Runs `f`, prefixing a ShapeError's message with where in a composite it happened. */
export function atLayer<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ShapeError) throw new ShapeError(`${where}: ${e.message}`);
    throw e;
  }
}

/**
 * Composes layers in order. Parameters and state are objects keyed by position, `{ "0": ..., "1": ... }`
 * (so a parameter's path reads `1.w`, as in PyTorch's state dicts); a layer without parameters has `{}`.
 * In training, layer i gets the key `gn.random.foldIn(key, i)`, so two Dropout layers never share a mask.
 * `init(key, inputShape)` checks the shapes through the whole stack and names the first layer that does
 * not fit. An empty stack is the identity.
 * @example
 * const model = gn.nn.sequential([gn.nn.linear(4, 16), gn.nn.relu(), gn.nn.linear(16, 3)]);
 * const { params, state } = model.init(gn.random.key(0), [4]);
 * const { y } = model.apply(params, gn.ones([10, 4]), { state }); // [10, 3]
 */
export function sequential(layers: readonly Layer[]): Layer<SequentialSpec> {
  if (!Array.isArray(layers)) throw new ValueError(`nn.sequential: expected an array of layers, got ${typeof layers}`);
  layers.forEach((l, i) => {
    if (!l || typeof l.apply !== "function" || typeof l.init !== "function")
      throw new ValueError(`nn.sequential: element ${i} is not a layer (make layers with gn.nn.linear, gn.nn.relu, ...)`);
  });
  const list = [...layers];
  const where = (i: number) => `Sequential layer ${i} (${list[i].name})`;
  const outputShape = (s: readonly number[]): number[] => {
    let shape = [...s];
    list.forEach((l, i) => (shape = atLayer(where(i), () => l.outputShape(shape))));
    return shape;
  };
  return {
    name: `Sequential(${list.length} layer${list.length === 1 ? "" : "s"})`,
    spec: { type: "sequential", layers: list.map((l) => l.spec) },
    children: list.map((l, i) => [String(i), l] as const),
    init(key, inputShape) {
      const keys = random.split(key, Math.max(1, list.length));
      const params: Record<string, Tree> = {};
      const state: Record<string, Tree> = {};
      let shape = inputShape ? [...inputShape] : undefined;
      list.forEach((l, i) => {
        const r = atLayer(where(i), () => l.init(keys[i], shape));
        params[i] = r.params;
        state[i] = r.state;
        if (shape) shape = atLayer(where(i), () => l.outputShape(shape!));
      });
      return { params, state };
    },
    apply(params, x, ctx = {}) {
      const state: Record<string, Tree> = {};
      let y = x;
      list.forEach((l, i) => {
        const key = ctx.key ? random.foldIn(ctx.key, i) : undefined;
        const r = atLayer(where(i), () => l.apply(child(params, String(i)) ?? {}, y, { training: ctx.training, key, state: child(ctx.state, String(i)) }));
        y = r.y;
        state[i] = r.state;
      });
      return { y, state };
    },
    outputShape,
  };
}
