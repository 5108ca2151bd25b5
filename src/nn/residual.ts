/** Residual connection: y = block(x) + shortcut(x). */
import { ShapeError, fmtShape } from "../core/errors.js";
import type { Tree } from "../core/tree.js";
import { add } from "../ops/elementwise.js";
import * as random from "../random/index.js";
import { type Layer, child } from "./layer.js";
import { atLayer } from "./sequential.js";
import type { LayerSpec } from "./spec.js";

/** JSON description of a Residual layer (`shortcut` null means the identity). */
export interface ResidualSpec {
  type: "residual";
  block: LayerSpec;
  shortcut: LayerSpec | null;
}

/**
 * A residual connection, y = block(x) + shortcut(x), with the identity shortcut by default (give a
 * projection, e.g. a Linear or 1x1 Conv2d, when the block changes the shape). Parameters and state are
 * `{ block, shortcut }` (`shortcut` only when given). Follow it with an activation layer for the
 * post-activation ResNet form.
 * @example
 * const block = gn.nn.residual(gn.nn.sequential([gn.nn.linear(16, 16), gn.nn.relu(), gn.nn.linear(16, 16)]));
 * const model = gn.nn.sequential([gn.nn.linear(4, 16), block, gn.nn.relu(), gn.nn.linear(16, 2)]);
 */
export function residual(block: Layer, shortcut?: Layer): Layer<ResidualSpec> {
  const name = shortcut ? `Residual(with ${shortcut.name} shortcut)` : "Residual";
  const outputShape = (s: readonly number[]): number[] => {
    const a = atLayer(`${name} block`, () => block.outputShape(s));
    const b = shortcut ? atLayer(`${name} shortcut`, () => shortcut.outputShape(s)) : [...s];
    if (a.length !== b.length || a.some((d, i) => d !== b[i]))
      throw new ShapeError(`${name}: the block gives ${fmtShape(a)} but the shortcut gives ${fmtShape(b)} for input ${fmtShape(s)}; they must match (add a projection shortcut)`);
    return a;
  };
  return {
    name,
    spec: { type: "residual", block: block.spec, shortcut: shortcut ? shortcut.spec : null },
    children: shortcut ? [["block", block], ["shortcut", shortcut]] : [["block", block]],
    init(key, inputShape) {
      if (inputShape) outputShape(inputShape);
      const [kb, ks] = random.split(key);
      const b = block.init(kb, inputShape);
      const params: Record<string, Tree> = { block: b.params };
      const state: Record<string, Tree> = { block: b.state };
      if (shortcut) {
        const s = shortcut.init(ks, inputShape);
        params.shortcut = s.params;
        state.shortcut = s.state;
      }
      return { params, state };
    },
    apply(params, x, ctx = {}) {
      const sub = (k: string, i: number) => ({ training: ctx.training, key: ctx.key ? random.foldIn(ctx.key, i) : undefined, state: child(ctx.state, k) });
      const b = atLayer(`${name} block`, () => block.apply(child(params, "block") ?? {}, x, sub("block", 0)));
      const state: Record<string, Tree> = { block: b.state };
      let s = x;
      if (shortcut) {
        const r = atLayer(`${name} shortcut`, () => shortcut.apply(child(params, "shortcut") ?? {}, x, sub("shortcut", 1)));
        s = r.y;
        state.shortcut = r.state;
      }
      if (b.y.ndim !== s.ndim || b.y.shape.some((d, i) => d !== s.shape[i]))
        throw new ShapeError(`${name}: the block gives ${fmtShape(b.y.shape)} but the shortcut gives ${fmtShape(s.shape)}; they must match (add a projection shortcut)`);
      return { y: add(b.y, s), state };
    },
    outputShape,
  };
}
