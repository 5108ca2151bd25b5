/**
 * Convolution and pooling on the current backend: a small CNN's forward and backward pass on a batch
 * of 64 28x28 images, and the kernels one by one. Run: `npx tsc -p . && node dist/bench/conv.js [c1,c2]`.
 * Reports wall-clock and CPU time (medians of 5 after 2 warm-up runs); on a shared machine the CPU time
 * is the steadier figure.
 */
import * as gn from "../src/index.js";
import { bind } from "../src/engine/trace.js";
import type { Conv2dParams } from "../src/ops/prims/conv.js";

function measure(label: string, f: () => unknown): void {
  f();
  f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    f();
    const d = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((d.user + d.system) / 1000);
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[2].toFixed(1);
  console.log(`${label.padEnd(48)} wall ${median(wall).padStart(8)} ms   cpu ${median(cpu).padStart(8)} ms`);
}

const [c1, c2] = (process.argv[2] ?? "8,16").split(",").map(Number);
const keys = gn.random.split(gn.random.key(0), 5);
const batch = 64;
const params = {
  w1: gn.random.normal(keys[0], [c1, 1, 3, 3]).mul(0.3),
  b1: gn.zeros([c1]),
  w2: gn.random.normal(keys[1], [c2, c1, 3, 3]).mul(0.1),
  b2: gn.zeros([c2]),
  w3: gn.random.normal(keys[2], [c2 * 49, 10]).mul(0.05),
  b3: gn.zeros([10]),
};
const x = gn.random.normal(keys[3], [batch, 1, 28, 28]);
const y = gn.oneHot(gn.random.randint(keys[4], [batch], 0, 10), 10);
const loss = (p: typeof params) => {
  let h = gn.maxPool2d(gn.conv2d(x, p.w1, { padding: 1, bias: p.b1 }).relu(), { kernelSize: 2 });
  h = gn.maxPool2d(gn.conv2d(h, p.w2, { padding: 1, bias: p.b2 }).relu(), { kernelSize: 2 });
  const logits = gn.matmul(h.reshape([batch, -1]), p.w3).add(p.b3);
  return gn.logsumexp(logits, 1).sub(logits.mul(y).sum(1)).mean();
};
const valueAndGrad = gn.valueAndGrad(loss);

console.log(`backend ${gn.getBackend().name}, float32, batch ${batch}, 28x28, conv 1->${c1}->${c2} (3x3, same), 2x2 max pooling, dense 10`);
measure("CNN forward", () => loss(params).item());
measure("CNN forward + backward", () => (valueAndGrad(params)[0] as gn.Tensor).item());

const geometry: Conv2dParams = { stride: [1, 1], padding: [[1, 1], [1, 1]], dilation: [1, 1], groups: 1 };
for (const [cin, cout, size] of [[1, c1, 28], [c1, c2, 14]]) {
  const xs = gn.random.normal(keys[0], [batch, cin, size, size]);
  const ws = gn.random.normal(keys[1], [cout, cin, 3, 3]);
  const g = bind("conv2d", [xs, ws], geometry);
  const tag = `${cin}->${cout} at ${size}x${size}`;
  measure(`conv2d ${tag}`, () => bind("conv2d", [xs, ws], geometry));
  measure(`conv2dGradInput ${tag}`, () => bind("conv2dGradInput", [g, ws], { ...geometry, inputShape: [...xs.shape] }));
  measure(`conv2dGradFilter ${tag}`, () => bind("conv2dGradFilter", [xs, g], { ...geometry, filterShape: [...ws.shape] }));
  measure(`maxPool2d forward + backward, ${cout} channels at ${size}x${size}`, () => gn.grad((t: gn.Tensor) => gn.maxPool2d(t, { kernelSize: 2 }).sum())(g));
}
