/** Dropout: random zeroing in training, identity in evaluation. */
import { ValueError } from "../core/errors.js";
import { div, mul, where } from "../ops/elementwise.js";
import * as random from "../random/index.js";
import { type Layer, NO_STATE, numberIn } from "./layer.js";

/** JSON description of a Dropout layer. */
export interface DropoutSpec {
  type: "dropout";
  rate: number;
}

/**
 * Inverted dropout: in training, each element is kept with probability 1 - rate and scaled by
 * 1 / (1 - rate), so the expected output equals the input; in evaluation it is the identity. The mask
 * is `gn.random.bernoulli(key, 1 - rate, x.shape)`, so the same key gives the same mask; training
 * without a key throws a ValueError. rate 0 is the identity, rate 1 gives zeros. No parameters or state.
 * @example
 * const drop = gn.nn.dropout(0.5);
 * drop.apply({}, x, { training: true, key: gn.random.key(0) }).y; // about half zeros, the rest 2x
 * drop.apply({}, x).y; // x
 */
export function dropout(rate: number): Layer<DropoutSpec> {
  const spec: DropoutSpec = { type: "dropout", rate: numberIn("nn.dropout", "rate", rate, 0, 1) };
  return {
    name: `Dropout(${spec.rate})`,
    spec,
    init: () => ({ params: {}, state: NO_STATE }),
    apply(_params, x, ctx = {}) {
      if (!ctx.training || spec.rate === 0) return { y: x, state: NO_STATE };
      if (!ctx.key) throw new ValueError(`Dropout(${spec.rate}): training needs a PRNG key; call apply(params, x, { training: true, key })`);
      // rate 1: multiply by 0 rather than select from x / 0, whose derivative would be NaN.
      if (spec.rate === 1) return { y: mul(x, 0), state: NO_STATE };
      const keep = random.bernoulli(ctx.key, 1 - spec.rate, x.shape);
      return { y: where(keep, div(x, 1 - spec.rate), 0), state: NO_STATE };
    },
    outputShape: (s) => [...s],
  };
}
