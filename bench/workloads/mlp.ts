/**
 * The MLP workloads, written by hand with gn ops: dense layers (x W + b) with ReLU between them,
 * softmax cross-entropy through logSoftmax + takeAlongAxis, gradients from valueAndGrad.
 * - M.mlpGrad: one valueAndGrad of the loss per iteration (issue 2's "grad of a small MLP").
 * - W2: one training step per iteration (valueAndGrad, then Adam), batch of fixed synthetic data.
 */
import * as gn from "../../src/index.js";
import type { MlpParams } from "../cases.js";
import { heNormal, labels, mlpShapes, normals } from "../data.js";
import type { Prepared } from "../engine.js";
import { adamInit, adamUpdate } from "./adam.js";

/** [W0, b0, W1, b1, ...] for the given layer sizes. */
export function initMlp(sizes: readonly number[]): gn.Tensor[] {
  return mlpShapes(sizes).flatMap(({ w, b }, i) => [gn.tensor(heNormal(100 + i, w[0] * w[1], w[0]), { shape: w }), gn.zeros(b)]);
}

/** Logits of the MLP for a batch x [B, sizes[0]]. */
export function mlpForward(params: readonly gn.Tensor[], x: gn.Tensor): gn.Tensor {
  let h = x;
  for (let i = 0; i < params.length; i += 2) {
    h = gn.matmul(h, params[i]).add(params[i + 1]);
    if (i + 2 < params.length) h = gn.relu(h);
  }
  return h;
}

/** Mean softmax cross-entropy of logits [B, C] against int32 labels [B, 1]. */
export function crossEntropy(logits: gn.Tensor, y: gn.Tensor): gn.Tensor {
  return gn.takeAlongAxis(gn.logSoftmax(logits, -1), y, 1).mean().neg();
}

/** Builds M.mlpGrad (train false: valueAndGrad only) or W2 (train true: valueAndGrad then Adam). */
export function mlp(p: MlpParams): Prepared {
  const batch = p.batch;
  const x = gn.tensor(normals(7, batch * p.sizes[0]), { shape: [batch, p.sizes[0]] });
  const y = gn.tensor(labels(8, batch, p.sizes[p.sizes.length - 1]), { shape: [batch, 1] });
  const lossAndGrad = gn.valueAndGrad((params: gn.Tensor[]) => crossEntropy(mlpForward(params, x), y));
  let params = initMlp(p.sizes);
  if (!p.train)
    return {
      step: (iters) => {
        for (let i = 0; i < iters; i++) {
          const [loss, grads] = lossAndGrad(params) as [gn.Tensor, gn.Tensor[]];
          for (const t of [loss, ...grads]) t.dispose();
        }
      },
    };
  let state = adamInit(params);
  return {
    step: (iters) => {
      for (let i = 0; i < iters; i++) {
        const [loss, grads] = lossAndGrad(params) as [gn.Tensor, gn.Tensor[]];
        loss.dispose();
        ({ params, state } = adamUpdate(params, grads, state));
      }
    },
  };
}
