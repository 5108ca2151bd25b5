/**
 * W3: a small CNN trained with Adam, written with gn ops (NCHW):
 * conv3x3 (c1, 'same') -> ReLU -> maxpool 2 -> conv3x3 (c2, 'same') -> ReLU -> maxpool 2 -> dense -> softmax CE.
 * Reports 'unavailable' while gn.conv2d is missing from the build.
 */
import * as gn from "../../src/index.js";
import type { CnnParams } from "../cases.js";
import { heNormal, labels, normals } from "../data.js";
import { type Prepared, Unavailable } from "../engine.js";
import { adamInit, adamUpdate } from "./adam.js";
import { crossEntropy } from "./mlp.js";

type ConvApi = {
  conv2d?: (x: gn.Tensor, w: gn.Tensor, opts?: { padding?: "same" | "valid" | number }) => gn.Tensor;
  maxPool2d?: (x: gn.Tensor, window: number | [number, number]) => gn.Tensor;
};

/** Parameter shapes: [k1, b1, k2, b2, W, b]. */
export function cnnShapes(p: CnnParams): number[][] {
  const [c1, c2] = p.channels;
  const feat = c2 * (p.image / 4) ** 2;
  return [[c1, 1, 3, 3], [c1], [c2, c1, 3, 3], [c2], [feat, p.classes], [p.classes]];
}

export function cnn(p: CnnParams): Prepared {
  const api = gn as unknown as ConvApi;
  const conv2d = api.conv2d;
  const maxPool2d = api.maxPool2d;
  if (typeof conv2d !== "function" || typeof maxPool2d !== "function") throw new Unavailable("gn.conv2d / gn.maxPool2d are not in this build yet");
  const shapes = cnnShapes(p);
  const fans = [9, 0, 9 * p.channels[0], 0, shapes[4][0], 0];
  let params = shapes.map((s, i) => (fans[i] ? gn.tensor(heNormal(200 + i, s.reduce((a, b) => a * b, 1), fans[i]), { shape: s }) : gn.zeros(s)));
  const x = gn.tensor(normals(9, p.batch * p.image * p.image), { shape: [p.batch, 1, p.image, p.image] });
  const y = gn.tensor(labels(10, p.batch, p.classes), { shape: [p.batch, 1] });
  const block = (h: gn.Tensor, k: gn.Tensor, b: gn.Tensor): gn.Tensor => maxPool2d(gn.relu(conv2d(h, k, { padding: "same" }).add(b.reshape([1, -1, 1, 1]))), 2);
  const loss = (ps: gn.Tensor[]): gn.Tensor => {
    const h = block(block(x, ps[0], ps[1]), ps[2], ps[3]);
    return crossEntropy(gn.matmul(h.reshape([p.batch, -1]), ps[4]).add(ps[5]), y);
  };
  const lossAndGrad = gn.valueAndGrad(loss);
  let state = adamInit(params);
  return {
    step: (iters) => {
      for (let i = 0; i < iters; i++) {
        const [, grads] = lossAndGrad(params) as [gn.Tensor, gn.Tensor[]];
        ({ params, state } = adamUpdate(params, grads, state));
      }
    },
  };
}
