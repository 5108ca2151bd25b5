/**
 * W3: a small CNN trained with Adam, written with gn ops (NCHW):
 * conv3x3 (c1, 'same') -> ReLU -> maxpool 2 -> conv3x3 (c2, 'same') -> ReLU -> maxpool 2 -> dense -> softmax CE.
 */
import * as gn from "../../src/index.js";
import type { CnnParams } from "../cases.js";
import { heNormal, labels, normals } from "../data.js";
import type { Prepared } from "../engine.js";
import { adamInit, adamUpdate } from "./adam.js";
import { crossEntropy } from "./mlp.js";

/** Parameter shapes [k1, b1, k2, b2, W, b] and the fan-in of each weight (0 for biases, which start at zero). */
export function cnnLayout(p: CnnParams): { shapes: number[][]; fans: number[] } {
  const [c1, c2] = p.channels;
  const feat = c2 * (p.image / 4) ** 2;
  return { shapes: [[c1, 1, 3, 3], [c1], [c2, c1, 3, 3], [c2], [feat, p.classes], [p.classes]], fans: [9, 0, 9 * c1, 0, feat, 0] };
}

/** Builds W3 on the current backend: one Adam training step per iteration on a fixed synthetic batch. */
export function cnn(p: CnnParams): Prepared {
  const { shapes, fans } = cnnLayout(p);
  let params = shapes.map((s, i) => (fans[i] ? gn.tensor(heNormal(200 + i, s.reduce((a, b) => a * b, 1), fans[i]), { shape: s }) : gn.zeros(s)));
  const x = gn.tensor(normals(9, p.batch * p.image * p.image), { shape: [p.batch, 1, p.image, p.image] });
  const y = gn.tensor(labels(10, p.batch, p.classes), { shape: [p.batch, 1] });
  const block = (h: gn.Tensor, k: gn.Tensor, b: gn.Tensor): gn.Tensor => gn.maxPool2d(gn.relu(gn.conv2d(h, k, { padding: "same", bias: b })), { kernelSize: 2 });
  const lossAndGrad = gn.valueAndGrad((ps: gn.Tensor[]) => {
    const h = block(block(x, ps[0], ps[1]), ps[2], ps[3]);
    return crossEntropy(gn.matmul(h.reshape([p.batch, -1]), ps[4]).add(ps[5]), y);
  });
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
