/**
 * Ready-made architectures, named by short strings (the CLI's `--model`):
 *
 * - `logreg`: [Flatten], Linear(d -> outputs). Multinomial (or, with outputs = 1, binary) logistic
 *   regression on logits; no hidden layer.
 * - `mlp[:H1,H2,...[:ACTIVATION[:DROPOUT]]]`: [Flatten], then for each hidden size h: Linear(-> h),
 *   activation (default relu), Dropout(rate) when a rate is given; then Linear(-> outputs). Hidden
 *   layers use He-uniform weights for relu-like activations, Glorot-uniform otherwise. `mlp` alone is
 *   `mlp:64`. Example: `mlp:64,32`, `mlp:128:tanh`, `mlp:256,128:relu:0.2`.
 * - `cnn`: a small CNN for 28x28 (MNIST-like) and 8x8 (sklearn digits) images, any size divisible
 *   by 4 in fact. Input [C, H, W]; [H, W] or a flat square [H*W] is reshaped to [1, H, W] first:
 *     Conv2d(C -> 8, 3x3, padding 1), ReLU, MaxPool2d(2)     -> [8, H/2, W/2]
 *     Conv2d(8 -> 16, 3x3, padding 1), ReLU, MaxPool2d(2)    -> [16, H/4, W/4]
 *     Flatten, Linear(16 H W / 16 -> F), ReLU, Linear(F -> outputs)
 *   with F = 64 when H W / 16 >= 16 (28x28: 52,138 parameters for 10 classes) and F = 32 otherwise
 *   (8x8: 3,658 parameters for 10 classes).
 *
 * Every model outputs raw scores (logits); pair it with `gn.losses.softmaxCrossEntropy` (outputs =
 * number of classes), `gn.losses.bceWithLogits` (outputs = 1) or a regression loss.
 */
import { ValueError, fmtShape } from "../core/errors.js";
import { type ActivationType, ACTIVATION_TYPES, activation } from "./activation.js";
import { conv2d, maxPool2d } from "./conv.js";
import { dropout } from "./dropout.js";
import type { Layer } from "./layer.js";
import { linear } from "./linear.js";
import { flatten, reshape } from "./reshape.js";
import { sequential } from "./sequential.js";

/** What a zoo model is built for. */
export interface ZooOptions {
  /** The per-sample input shape, e.g. [30] for tabular data or [1, 28, 28] for images. */
  inputShape: readonly number[];
  /** Number of output units: the number of classes for softmax cross-entropy, 1 for a binary logit or a regression target. */
  outputs: number;
}

/** The model families `parseModel` knows. */
export const MODEL_FAMILIES = ["logreg", "mlp", "cnn"] as const;

function checkOptions(op: string, opts: ZooOptions): void {
  if (!Array.isArray(opts.inputShape) || opts.inputShape.length === 0 || opts.inputShape.some((d) => !Number.isInteger(d) || d < 1))
    throw new ValueError(`${op}: inputShape must be a non-empty list of positive integers, got ${JSON.stringify(opts.inputShape)}`);
  if (!Number.isInteger(opts.outputs) || opts.outputs < 1) throw new ValueError(`${op}: outputs must be a positive integer, got ${JSON.stringify(opts.outputs)}`);
}

function flatSize(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/**
 * Logistic regression: a single Linear layer on the flattened input.
 * @example gn.nn.logreg({ inputShape: [30], outputs: 2 })
 */
export function logreg(opts: ZooOptions): Layer {
  checkOptions("nn.logreg", opts);
  const layers: Layer[] = opts.inputShape.length > 1 ? [flatten()] : [];
  layers.push(linear(flatSize(opts.inputShape), opts.outputs));
  return sequential(layers);
}

/**
 * A multilayer perceptron with the given hidden sizes (see the module notes).
 * @example gn.nn.mlp({ inputShape: [30], outputs: 2 }, [64, 32], { activation: "tanh" })
 */
export function mlp(opts: ZooOptions, hidden: readonly number[] = [64], extra: { activation?: ActivationType; dropout?: number } = {}): Layer {
  checkOptions("nn.mlp", opts);
  hidden.forEach((h, i) => {
    if (!Number.isInteger(h) || h < 1) throw new ValueError(`nn.mlp: hidden size ${i} must be a positive integer, got ${JSON.stringify(h)}`);
  });
  const act = extra.activation ?? "relu";
  const reluLike = act === "relu" || act === "leakyRelu" || act === "elu" || act === "gelu" || act === "silu";
  const layers: Layer[] = opts.inputShape.length > 1 ? [flatten()] : [];
  let width = flatSize(opts.inputShape);
  for (const h of hidden) {
    layers.push(linear(width, h, { init: reluLike ? "heUniform" : "glorotUniform" }), activation(act));
    if (extra.dropout !== undefined && extra.dropout > 0) layers.push(dropout(extra.dropout));
    width = h;
  }
  layers.push(linear(width, opts.outputs));
  return sequential(layers);
}

/**
 * The small CNN described in the module notes.
 * @example gn.nn.cnn({ inputShape: [1, 28, 28], outputs: 10 })
 */
export function cnn(opts: ZooOptions): Layer {
  checkOptions("nn.cnn", opts);
  const s = opts.inputShape;
  const layers: Layer[] = [];
  let image: number[];
  if (s.length === 3) image = [...s];
  else if (s.length === 2) image = [1, s[0], s[1]];
  else if (s.length === 1 && Number.isInteger(Math.sqrt(s[0]))) image = [1, Math.sqrt(s[0]), Math.sqrt(s[0])];
  else throw new ValueError(`nn.cnn: the input shape ${fmtShape(s)} is not an image: give [C, H, W], [H, W] or a flat square [H*W]`);
  if (s.length !== 3) layers.push(reshape(image));
  const [c, h, w] = image;
  if (h < 4 || w < 4) throw new ValueError(`nn.cnn: images must be at least 4x4 (two 2x2 poolings), got ${h}x${w}`);
  const cells = Math.floor(h / 4) * Math.floor(w / 4);
  const hiddenWidth = cells >= 16 ? 64 : 32;
  layers.push(
    conv2d(c, 8, 3, { padding: 1, init: "heNormal" }), activation("relu"), maxPool2d(2),
    conv2d(8, 16, 3, { padding: 1, init: "heNormal" }), activation("relu"), maxPool2d(2),
    flatten(), linear(16 * cells, hiddenWidth, { init: "heUniform" }), activation("relu"),
    linear(hiddenWidth, opts.outputs),
  );
  return sequential(layers);
}

/**
 * Builds a model from a short description (the CLI's `--model`): `logreg`, `mlp`, `mlp:64,32`,
 * `mlp:64,32:tanh`, `mlp:128:relu:0.2` or `cnn` (architectures in the module notes). Errors list
 * what is accepted.
 * @example
 * const model = gn.nn.parseModel("mlp:64,32", { inputShape: [30], outputs: 2 });
 * console.log(gn.nn.summary(model, [30]));
 */
export function parseModel(description: string, opts: ZooOptions): Layer {
  const op = "nn.parseModel";
  const parts = String(description).trim().split(":");
  const family = parts[0].toLowerCase();
  const usage = `use logreg, mlp[:H1,H2,...[:ACTIVATION[:DROPOUT]]] (e.g. mlp:64,32) or cnn`;
  switch (family) {
    case "logreg":
    case "cnn":
      if (parts.length > 1) throw new ValueError(`${op}: "${description}": ${family} takes no arguments; ${usage}`);
      return family === "logreg" ? logreg(opts) : cnn(opts);
    case "mlp": {
      if (parts.length > 4) throw new ValueError(`${op}: "${description}" has too many ":" parts; ${usage}`);
      const hidden = parts[1] === undefined || parts[1] === "" ? [64] : parts[1].split(",").map((x) => Number(x.trim()));
      if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new ValueError(`${op}: "${description}": hidden sizes must be positive integers separated by commas, e.g. mlp:64,32`);
      const act = parts[2] === undefined || parts[2] === "" ? "relu" : parts[2];
      if (!ACTIVATION_TYPES.includes(act as ActivationType) || act === "softmax" || act === "logSoftmax")
        throw new ValueError(`${op}: "${description}": unknown activation "${act}"; use one of ${ACTIVATION_TYPES.filter((a) => a !== "softmax" && a !== "logSoftmax").join(", ")}`);
      let rate: number | undefined;
      if (parts[3] !== undefined) {
        rate = Number(parts[3]);
        if (!(rate >= 0 && rate < 1)) throw new ValueError(`${op}: "${description}": the dropout rate must be a number in [0, 1), got "${parts[3]}"`);
      }
      return mlp(opts, hidden, { activation: act as ActivationType, dropout: rate });
    }
    default:
      throw new ValueError(`${op}: unknown model "${description}"; ${usage}`);
  }
}
