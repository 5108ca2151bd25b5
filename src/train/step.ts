/**
 * One training step: the loss and its gradient with respect to the parameters (model in training
 * mode, its state threaded through), then the optimizer's update. `fit` runs it per mini-batch; it is
 * exported for loops of one's own and for the benchmark.
 */
import type { Tensor } from "../core/tensor.js";
import type { Tree } from "../core/tree.js";
import type { Layer } from "../nn/layer.js";
import type { Key } from "../random/index.js";
import { valueAndGrad } from "../transforms/autodiff.js";
import { type GradientTransformation, type StepInfo, applyUpdates } from "../optim/transform.js";
import { disposeDropped } from "../optim/dispose.js";
import { type AdversarialTrainingOptions, adversarialBatch } from "./adversarial.js";
import type { LossFn } from "./loss.js";

/** What a training step needs besides the parameters and the batch. */
export interface TrainStepOptions {
  loss: LossFn;
  optimizer: GradientTransformation;
  /** Added to the batch loss, e.g. gn.train.l2Penalty(1e-4). */
  penalty?: (params: any) => Tensor;
  /** Train on PGD adversarial inputs (see fit's `adversarial`). */
  adversarial?: AdversarialTrainingOptions;
}

/** The outcome of one step. */
export interface TrainStepResult {
  /** Parameters after the update. */
  params: Tree;
  /** The model's new state (e.g. BatchNorm running statistics). */
  modelState: Tree;
  optState: unknown;
  /** The batch loss (with the penalty) at the parameters the step started from. */
  loss: Tensor;
  /** The model's output on the batch, at the parameters the step started from. */
  output: Tensor;
  grads: Tree;
  updates: Tree;
  info: StepInfo;
}

/** A batch as a step sees it. */
export interface StepBatch {
  x: Tensor;
  y: Tensor;
  /** Sample weights [B] (default: all 1). */
  weights?: Tensor;
  /** Key for layers that sample (Dropout); derived per step by fit. */
  key?: Key;
}

/**
 * Makes the step function: `step(params, modelState, optState, batch)` evaluates the loss and its
 * gradient, asks the optimizer for updates (passing the loss and the batch loss function, which line
 * searches need), and applies them.
 * The step disposes nothing it is given; everything in its result is new. A loop that replaces its
 * params and states by the result's should free the old ones and the grads, updates, loss and output
 * it no longer needs with gn.optim.disposeDropped (on the wasm backend a synchronous loop has no
 * garbage collection of heap tensors; fit does this itself).
 * @example
 * const step = gn.train.makeTrainStep(model, { loss: gn.train.resolveLoss("softmaxCrossEntropy"), optimizer: gn.optim.adam() });
 * let optState = opt.init(params);
 * ({ params, modelState, optState } = step(params, modelState, optState, { x, y }));
 */
export function makeTrainStep(model: Layer, o: TrainStepOptions): (params: Tree, modelState: Tree, optState: unknown, batch: StepBatch) => TrainStepResult {
  return (params, modelState, optState, batch) => {
    const adv = o.adversarial;
    // The attack runs against the parameters the step starts from; the step then trains on its result.
    const xAdv = adv ? adversarialBatch(model, params, modelState, batch.x, batch.y, adv, batch.key) : null;
    const mix = adv?.mix ?? 1;
    const objective = (p: Tree): [Tensor, { state: Tree; output: Tensor }] => {
      let state = modelState;
      let clean: Tensor | null = null;
      if (xAdv !== null && mix < 1) {
        const c = model.apply(p, batch.x, { training: true, state, key: batch.key });
        clean = o.loss(c.y, batch.y, { weights: batch.weights }).mul(1 - mix);
        state = c.state;
      }
      const r = model.apply(p, xAdv ?? batch.x, { training: true, state, key: batch.key });
      let l = o.loss(r.y, batch.y, { weights: batch.weights });
      if (clean !== null) l = l.mul(mix).add(clean);
      if (o.penalty) l = l.add(o.penalty(p));
      return [l, { state: r.state, output: r.y }];
    };
    const [[loss, aux], grads] = valueAndGrad(objective, { hasAux: true })(params) as [[Tensor, { state: Tree; output: Tensor }], Tree];
    const lossFn = (p: Tree): Tensor => objective(p)[0];
    const { updates, state, info } = o.optimizer.update(grads, optState, params, { loss, grads, lossFn });
    if (xAdv !== null) disposeDropped([xAdv], [aux.output, aux.state, batch.x]); // the step's own attack input
    return { params: applyUpdates(params, updates), modelState: aux.state, optState: state, loss, output: aux.output, grads, updates, info: info ?? {} };
  };
}
