/**
 * Short model descriptions, as the command line takes them ("logreg", "mlp:64,32", "cnn"), turned
 * into gn.nn layers for a given number of input features and outputs.
 */
import { ValueError } from "../core/errors.js";
import type { Layer } from "../nn/layer.js";
import { linear } from "../nn/linear.js";
import { relu } from "../nn/activation.js";
import { sequential } from "../nn/sequential.js";
import type { TaskKind } from "./loss.js";

/** What a model description is built for. */
export interface ModelSpecContext {
  /** Input features per sample (the flattened input size). */
  features: number;
  task: TaskKind;
  /** Number of classes (classification) or targets (regression, default 1). */
  classes?: number;
  /** [height, width] when the features are the pixels of a one-channel image (needed by cnn). */
  imageShape?: readonly [number, number] | null;
}

/** The descriptions parseModelSpec understands, one per line, for help texts and errors. */
export const MODEL_SPEC_HELP = [
  "logreg          logistic (softmax) regression: one linear layer (classification)",
  "linear          one linear layer (regression: linear least squares)",
  "mlp:H1,H2,...   a multilayer perceptron with ReLU hidden layers of these sizes, e.g. mlp:64,32",
].join("\n");

/** Outputs of the last layer: one logit for two classes (binary cross-entropy), else one per class; one per target for regression. */
function outputsFor(ctx: ModelSpecContext): number {
  if (ctx.task === "regression") return ctx.classes ?? 1;
  const c = ctx.classes ?? 2;
  return c === 2 ? 1 : c;
}

function sizes(spec: string, arg: string | undefined, what: string): number[] {
  if (arg === undefined || arg === "") throw new ValueError(`model "${spec}": give the ${what}, e.g. mlp:64,32`);
  return arg.split(",").map((s) => {
    const v = Number(s);
    if (!Number.isInteger(v) || v < 1) throw new ValueError(`model "${spec}": ${JSON.stringify(s)} is not a positive integer (${what})`);
    return v;
  });
}

/**
 * Builds the model a short description names, for `ctx.features` inputs. Throws a ValueError for an
 * unknown description, listing the known ones, or for bad sizes.
 * @example gn.train.parseModelSpec("mlp:64,32", { features: 30, task: "classification", classes: 2 }).name
 */
export function parseModelSpec(spec: string, ctx: ModelSpecContext): Layer {
  const [kind, arg, ...rest] = String(spec).trim().split(":");
  const out = outputsFor(ctx);
  const f = ctx.features;
  if (rest.length > 0) throw new ValueError(`model "${spec}": too many ":" parts; known models:\n${MODEL_SPEC_HELP}`);
  switch (kind) {
    case "logreg":
      if (ctx.task !== "classification") throw new ValueError(`model "logreg" is for classification; use "linear" for a regression target`);
      if (arg !== undefined) throw new ValueError(`model "logreg" takes no sizes`);
      return sequential([linear(f, out)]);
    case "linear":
      if (arg !== undefined) throw new ValueError(`model "linear" takes no sizes`);
      return sequential([linear(f, out)]);
    case "mlp": {
      const hidden = sizes(spec, arg, "hidden layer sizes");
      const layers: Layer[] = [];
      let prev = f;
      for (const h of hidden) {
        layers.push(linear(prev, h), relu());
        prev = h;
      }
      layers.push(linear(prev, out));
      return sequential(layers);
    }
    default:
      throw new ValueError(`unknown model "${spec}"; known models:\n${MODEL_SPEC_HELP}`);
  }
}
