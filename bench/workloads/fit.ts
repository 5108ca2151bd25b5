/**
 * W2.mlpFit and W3.cnnFit: the W2 and W3 training steps as gn.train.fit takes them, to compare with
 * the hand-written steps (W2.mlpAdam, W3.cnnAdam): the model from gn.nn layers, the loss through
 * gn.train's resolver, gn.optim.adam, and the per-step trace record (loss, gradient and update norms).
 */
import * as gn from "../../src/index.js";
import { ADAM, type CnnParams, type MlpParams } from "../cases.js";
import { labels, normals } from "../data.js";
import type { Prepared } from "../engine.js";

function fitStep(model: gn.nn.Layer, inputShape: number[], x: gn.Tensor, y: gn.Tensor): Prepared {
  const optimizer = gn.optim.adam({ lr: ADAM.lr, b1: ADAM.b1, b2: ADAM.b2, eps: ADAM.eps });
  const step = gn.train.makeTrainStep(model, { loss: gn.train.resolveLoss("softmaxCrossEntropy"), optimizer });
  let { params, state } = model.init(gn.random.key(0), inputShape);
  let optState: unknown = optimizer.init(params);
  const recorder = new gn.optim.TraceRecorder({ optimizer: optimizer.name });
  return {
    step: (iters) => {
      for (let i = 0; i < iters; i++) {
        const r = step(params, state, optState, { x, y });
        recorder.record({ loss: r.loss, grads: r.grads, updates: r.updates, info: r.info });
        // As fit does: free what the step replaced (this loop made all of it; x and y stay).
        gn.optim.disposeDropped([params, state, optState, r.grads, r.updates, r.loss, r.output], [r.params, r.modelState, r.optState, r.info, x, y]);
        ({ params, modelState: state, optState } = r);
      }
    },
  };
}

export function mlpFit(p: MlpParams): Prepared {
  const layers: gn.nn.Layer[] = [];
  for (let i = 0; i + 1 < p.sizes.length; i++) {
    layers.push(gn.nn.linear(p.sizes[i], p.sizes[i + 1]));
    if (i + 2 < p.sizes.length) layers.push(gn.nn.relu());
  }
  const x = gn.tensor(normals(7, p.batch * p.sizes[0]), { shape: [p.batch, p.sizes[0]] });
  const y = gn.tensor(labels(8, p.batch, p.sizes[p.sizes.length - 1]), { shape: [p.batch] });
  return fitStep(gn.nn.sequential(layers), [p.sizes[0]], x, y);
}

export function cnnFit(p: CnnParams): Prepared {
  const [c1, c2] = p.channels;
  const model = gn.nn.sequential([
    gn.nn.conv2d(1, c1, 3, { padding: 1 }), gn.nn.relu(), gn.nn.maxPool2d(2),
    gn.nn.conv2d(c1, c2, 3, { padding: 1 }), gn.nn.relu(), gn.nn.maxPool2d(2),
    gn.nn.flatten(), gn.nn.linear(c2 * (p.image / 4) ** 2, p.classes),
  ]);
  const x = gn.tensor(normals(9, p.batch * p.image * p.image), { shape: [p.batch, 1, p.image, p.image] });
  const y = gn.tensor(labels(10, p.batch, p.classes), { shape: [p.batch] });
  return fitStep(model, [1, p.image, p.image], x, y);
}
