/** The model a command-line description names (gn.nn.parseModel), sized for the data: one output per class, or one logit for two classes. */
import { existsSync, readFileSync } from "node:fs";
import { ShapeError, ValueError } from "../core/errors.js";
import type { Task } from "../data/dataset.js";
import type { Layer } from "../nn/layer.js";
import { fromSpec } from "../nn/spec.js";
import { parseModel } from "../nn/zoo.js";

/** Help text for --model. @example console.log(MODEL_HELP) */
export const MODEL_HELP = [
  "logreg                      logistic regression (linear regression for a real target)",
  "mlp[:H1,H2,...[:ACT[:DROP]]] a multilayer perceptron, e.g. mlp:64,32 or mlp:128:tanh:0.2",
  "cnn                         a small CNN for square images (mnist, digits-8x8)",
  "file.json                   a layer spec as model.json's \"model\" field holds it (gn.nn.fromSpec)",
].join("\n");

/** Outputs of the last layer: one logit for two classes (binary cross-entropy), one per class otherwise, one for a real target. @example outputsFor("classification", 2) // 1 */
export function outputsFor(task: Task, classes: number): number {
  if (task === "regression") return 1;
  return classes === 2 ? 1 : classes;
}

/** Builds the model for `features` inputs (images come flat; cnn reshapes a square input). Throws gn.nn.parseModel's ValueError. @example modelFor("mlp:64", 30, "classification", 2) */
export function modelFor(description: string, features: number, task: Task, classes: number): Layer {
  const outputs = outputsFor(task, classes);
  if (!description.endsWith(".json")) return parseModel(description, { inputShape: [features], outputs });
  if (!existsSync(description)) throw new ValueError(`no model spec file ${JSON.stringify(description)}`);
  let spec: unknown;
  try {
    spec = JSON.parse(readFileSync(description, "utf8"));
  } catch (e) {
    throw new ValueError(`${description} is not valid JSON (${(e as Error).message})`);
  }
  const model = fromSpec(spec);
  let out: number[];
  try {
    out = model.outputShape([features]);
  } catch (e) {
    if (e instanceof ShapeError) throw new ValueError(`${description} does not fit this data's [${features}] features: ${e.message}`);
    throw e;
  }
  if (out.length !== 1 || out[0] !== outputs)
    throw new ValueError(`${description}: the model maps [${features}] inputs to [${out.join(", ")}], but this data needs [${outputs}] outputs${task === "classification" ? ` (${classes} classes)` : ""}`);
  return model;
}
