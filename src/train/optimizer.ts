/**
 * Optimizers described as plain data, `{ name: "adam", options: { lr: 1e-3 } }`, so that a checkpoint
 * can name the optimizer it was trained with and `--resume` can rebuild it. Hyperparameters live in
 * the optimizer's state too (gn.optim keeps them under `hyper`), so a resumed run continues with the
 * values (and schedules) it had.
 */
import { ValueError } from "../core/errors.js";
import * as optim from "../optim/index.js";
import type { GradientTransformation } from "../optim/transform.js";

/** The optimizers that can be named in a spec. */
export type OptimizerName = "sgd" | "adam" | "adamw" | "amsgrad" | "nadam" | "adagrad" | "rmsprop" | "lion" | "lbfgs";

/** An optimizer as JSON: its name and the options of its gn.optim constructor. */
export interface OptimizerSpec {
  name: OptimizerName;
  options?: Record<string, unknown>;
}

// A typed table: each name maps to its constructor (the options are checked by the constructor).
const BUILDERS: { [K in OptimizerName]: (o: any) => GradientTransformation } = {
  sgd: optim.sgd,
  adam: optim.adam,
  adamw: optim.adamw,
  amsgrad: optim.amsgrad,
  nadam: optim.nadam,
  adagrad: optim.adagrad,
  rmsprop: optim.rmsprop,
  lion: optim.lion,
  lbfgs: optim.lbfgs,
};

/** Every optimizer name a spec may use. @example gn.train.OPTIMIZER_NAMES // ["sgd", "adam", ...] */
export const OPTIMIZER_NAMES = Object.keys(BUILDERS) as OptimizerName[];

/** @internal True when `x` looks like a gradient transformation (init and update functions). */
export function isTransformation(x: unknown): x is GradientTransformation {
  return typeof x === "object" && x !== null && typeof (x as GradientTransformation).init === "function" && typeof (x as GradientTransformation).update === "function";
}

/**
 * Builds the optimizer a spec (or a bare name) describes. Throws a ValueError for an unknown name
 * (listing the known ones) and whatever the constructor throws for a bad option.
 * @example const opt = gn.train.optimizerFromSpec({ name: "adam", options: { lr: 1e-3 } });
 */
export function optimizerFromSpec(spec: OptimizerSpec | OptimizerName): GradientTransformation {
  const s: OptimizerSpec = typeof spec === "string" ? { name: spec } : spec;
  if (s === null || typeof s !== "object" || typeof s.name !== "string" || !Object.prototype.hasOwnProperty.call(BUILDERS, s.name))
    throw new ValueError(`optimizer: unknown optimizer ${JSON.stringify(typeof spec === "string" ? spec : s?.name)}; known: ${OPTIMIZER_NAMES.join(", ")}`);
  if (s.options !== undefined && (s.options === null || typeof s.options !== "object" || Array.isArray(s.options)))
    throw new ValueError(`optimizer: the options of ${s.name} must be an object like { "lr": 0.001 }, got ${JSON.stringify(s.options)}`);
  return BUILDERS[s.name](s.options ?? {});
}
