/**
 * Binary classifiers whose parameters are one flat float64 vector θ. Influence and implicit
 * differentiation need Hessians, inverse-Hessian-vector products and dot products in parameter
 * space; one vector makes those plain matrix algebra, whatever tree the model keeps its
 * parameters in (`classifierFromLayer` slices θ back into the tree inside the model, so derivatives
 * with respect to θ flow through the layer unchanged).
 */
import { ShapeError, ValueError, fmtShape } from "../../core/errors.js";
import { Tensor } from "../../core/tensor.js";
import { type Tree, treeLeaves, treeUnflatten } from "../../core/tree.js";
import * as ops from "../../ops/index.js";
import type { Layer } from "../../nn/layer.js";

/**
 * A binary classifier over a flat parameter vector θ (float64, length `size`): logits z = f(θ, x)
 * of shape [N] for a batch x of shape [N, ...features]; the probability of class 1 is sigmoid(z).
 * @example
 * const model = gn.influence.logisticRegression(3);
 * model.logits(gn.zeros([4], { dtype: "float64" }), gn.ones([2, 3], { dtype: "float64" })); // [0, 0]
 */
export interface BinaryClassifier {
  /** A readable description, e.g. "LogisticRegression(3)". */
  readonly name: string;
  /** The number of parameters P. */
  readonly size: number;
  /** Logits [N] for a batch x [N, ...]. Must be differentiable in θ (built from gn ops). */
  logits(theta: Tensor, x: Tensor): Tensor;
  /** 1 where the L2 penalty applies, 0 where it does not (a bias); absent: everywhere. */
  readonly penaltyMask?: Float64Array;
  /**
   * For models linear in θ (z = D θ): the design matrix D for a batch, so that the Hessian of a
   * GLM loss is the explicit D^T diag(c) D rather than P Hessian-vector products.
   */
  design?(x: Tensor): Tensor;
  /** Starting parameters (zeros for logistic regression; the layer's initial values for a wrapped layer). */
  initial(): Tensor;
  /** For a wrapped layer: θ back as the layer's parameter tree (leaves in their own dtypes). */
  toParams?(theta: Tensor): Tree;
}

/**
 * Logistic regression on d features: θ = [w_1, ..., w_d, b], z = x w + b. The bias is not penalised.
 * @example
 * const model = gn.influence.logisticRegression(2);
 * const z = model.logits(gn.tensor([1, -1, 0.5], { dtype: "float64" }), gn.tensor([[2, 1]], { dtype: "float64" })); // [1.5]
 */
export function logisticRegression(features: number): BinaryClassifier {
  if (!Number.isInteger(features) || features < 1) throw new ValueError(`influence.logisticRegression: features must be an integer >= 1, got ${features}`);
  const d = features;
  const mask = new Float64Array(d + 1).fill(1);
  mask[d] = 0;
  const checkX = (x: Tensor) => {
    if (x.ndim !== 2 || x.shape[1] !== d)
      throw new ShapeError(`LogisticRegression(${d}): x has shape ${fmtShape(x.shape)}; it must be [N, ${d}]`);
  };
  return {
    name: `LogisticRegression(${d})`,
    size: d + 1,
    penaltyMask: mask,
    logits(theta, x) {
      checkX(x);
      checkTheta(this.name, theta, d + 1);
      const w = ops.slice(theta, [0], [d]);
      const b = ops.slice(theta, [d], [d + 1]);
      return ops.add(ops.matmul(x, w), b);
    },
    design(x) {
      checkX(x);
      return ops.concat([ops.cast(x, "float64"), ops.ones([x.shape[0], 1], { dtype: "float64" })], 1);
    },
    initial: () => ops.zeros([d + 1], { dtype: "float64" }),
  };
}

/**
 * Wraps an nn layer (e.g. an MLP) as a binary classifier over a flat θ. The layer must output one
 * logit per sample ([N] or [N, 1]) or two class logits [N, 2] (then z = logit_1 - logit_0). The
 * parameter tree's leaves are concatenated in tree order; every parameter is penalised. A single
 * linear layer with one output (logistic regression) gets `logisticRegression`'s explicit Hessian
 * and unpenalised bias.
 * @example
 * const layer = gn.nn.sequential([gn.nn.linear(3, 8, { dtype: "float64" }), gn.nn.tanh(), gn.nn.linear(8, 1, { dtype: "float64" })]);
 * const { params, state } = layer.init(gn.random.key(0));
 * const model = gn.influence.classifierFromLayer(layer, params, state);
 * model.size; // 41
 */
export function classifierFromLayer(layer: Layer, params: Tree, state?: Tree): BinaryClassifier {
  const leaves = treeLeaves(params);
  if (leaves.length === 0) throw new ValueError("influence.classifierFromLayer: the parameter tree has no tensors");
  const sizes = leaves.map((l) => l.size);
  const size = sizes.reduce((a, b) => a + b, 0);
  const flat = ops.concat(leaves.map((l) => ops.reshape(ops.cast(l, "float64"), [l.size])), 0);
  const name = `${layer.name} (${size} parameters)`;
  const toParams = (theta: Tensor): Tree => {
    checkTheta(name, theta, size);
    let off = 0;
    const parts = leaves.map((l, i) => {
      const p = ops.reshape(ops.slice(theta, [off], [off + sizes[i]]), l.shape);
      off += sizes[i];
      return l.dtype === "float64" ? p : ops.cast(p, l.dtype);
    });
    return treeUnflatten(params, parts);
  };
  // A single linear layer with one output is logistic regression: same flat layout [w, b], so use
  // its explicit design-matrix Hessian (and leave the bias unpenalised), computing in float64.
  const spec = layer.spec as { type: string; in?: number; out?: number; bias?: boolean; layers?: { type: string; in?: number; out?: number; bias?: boolean }[] };
  const lin = spec.type === "linear" ? spec : spec.type === "sequential" && spec.layers?.length === 1 && spec.layers[0].type === "linear" ? spec.layers[0] : null;
  if (lin && lin.out === 1 && lin.bias && lin.in !== undefined && size === lin.in + 1) {
    const lr = logisticRegression(lin.in);
    return { ...lr, name, initial: () => flat, toParams };
  }
  return {
    name,
    size,
    logits(theta, x) {
      const y = layer.apply(toParams(theta), x, { state }).y;
      const n = x.shape[0];
      let z: Tensor;
      if (y.ndim === 1 && y.shape[0] === n) z = y;
      else if (y.ndim === 2 && y.shape[0] === n && y.shape[1] === 1) z = ops.reshape(y, [n]);
      else if (y.ndim === 2 && y.shape[0] === n && y.shape[1] === 2) z = ops.sub(ops.slice(y, [0, 1], [n, 2]), ops.slice(y, [0, 0], [n, 1])).reshape([n]);
      else throw new ShapeError(`${name}: the layer returned shape ${fmtShape(y.shape)} for a batch of ${n}; a binary classifier must return [${n}], [${n}, 1] or [${n}, 2]`);
      return ops.cast(z, "float64");
    },
    initial: () => flat,
    toParams,
  };
}

function checkTheta(name: string, theta: Tensor, size: number): void {
  if (!(theta instanceof Tensor) || theta.ndim !== 1 || theta.shape[0] !== size)
    throw new ShapeError(`${name}: θ must be a vector of ${size} parameters, got ${theta instanceof Tensor ? `shape ${fmtShape(theta.shape)}` : typeof theta}`);
}
