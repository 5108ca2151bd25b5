/** Embedding: a lookup table from integer ids to vectors. */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import { cast } from "../ops/elementwise.js";
import { take } from "../ops/indexing.js";
import { type InitName, getInitializer } from "./init.js";
import { type Layer, type ParamDType, NO_STATE, param, paramDType, positiveInt } from "./layer.js";

/** JSON description of an Embedding layer. */
export interface EmbeddingSpec {
  type: "embedding";
  num: number;
  dim: number;
  init: InitName;
  dtype: ParamDType;
}

/**
 * An embedding table of `num` rows of size `dim`: ids x of shape [N, ...] (int32, or integer-valued
 * floats, which are cast) give table rows of shape [N, ..., dim]. Parameters `{ table }` of shape
 * [num, dim], initialised N(0, 1) by default (as PyTorch). Ids outside [0, num) throw a ValueError.
 * The derivative flows to the rows used (repeated ids add up); ids have no derivative.
 * @example
 * const emb = gn.nn.embedding(100, 16);
 * const { params } = emb.init(gn.random.key(0));
 * emb.apply(params, gn.tensor([[1, 5, 5]], { dtype: "int32" })).y.shape; // [1, 3, 16]
 */
export function embedding(num: number, dim: number, opts: { init?: InitName; dtype?: ParamDType } = {}): Layer<EmbeddingSpec> {
  const op = "nn.embedding";
  const spec: EmbeddingSpec = {
    type: "embedding",
    num: positiveInt(op, "num", num),
    dim: positiveInt(op, "dim", dim),
    init: opts.init ?? "standardNormal",
    dtype: paramDType(op, opts.dtype),
  };
  const init = getInitializer(spec.init, op);
  const name = `Embedding(${spec.num}, ${spec.dim})`;
  return {
    name,
    spec,
    init: (key) => ({ params: { table: init(key, [spec.num, spec.dim], { fanIn: spec.num, fanOut: spec.dim, dtype: spec.dtype }) }, state: NO_STATE }),
    apply(params, x) {
      if (x.ndim < 1) throw new ShapeError(`${name}: ids must have a batch axis, got shape ${fmtShape(x.shape)}`);
      const ids = x.dtype === "int32" ? x : cast(x, "int32");
      const values = ids.toTypedArray();
      for (let i = 0; i < values.length; i++)
        if (values[i] < 0 || values[i] >= spec.num) throw new ValueError(`${name}: id ${values[i]} at flat position ${i} is outside [0, ${spec.num})`);
      return { y: take(param(op, params, "table"), ids, 0), state: NO_STATE };
    },
    outputShape: (s) => [...s, spec.dim],
  };
}
