/** fit's `adversarial` option: PGD inputs against the current parameters, in place of the clean batch. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

function data() {
  // Two features, the class decided by the first: a margin of about 1 around the boundary x0 = 0.
  const xs: number[][] = [];
  const ys: number[] = [];
  const key = gn.random.key(5);
  const noise = gn.random.normal(key, [64, 2]).toArray() as number[][];
  for (let i = 0; i < 64; i++) {
    const c = i % 2;
    xs.push([(c ? 1 : -1) * (1 + 0.3 * Math.abs(noise[i][0])), noise[i][1]]);
    ys.push(c);
  }
  return { x: gn.tensor(xs), y: gn.tensor(ys, { dtype: "int32" }) };
}

const train = (adversarial?: gn.train.AdversarialTrainingOptions) =>
  gn.train.fit(gn.nn.parseModel("logreg", { inputShape: [2], outputs: 1 }), data(), { epochs: 3, batchSize: 16, seed: 1, optimizer: { name: "sgd", options: { lr: 0.5 } }, adversarial });

test("fit with an adversarial budget of 0 trains exactly as without it", async () => {
  const plain = await train();
  const zero = await train({ epsilon: 0, steps: 2 });
  const a = gn.treeLeaves(plain.params).map((t) => Array.from(t.toTypedArray()));
  const b = gn.treeLeaves(zero.params).map((t) => Array.from(t.toTypedArray()));
  assert.deepEqual(b, a);
});

test("fit trains on PGD inputs: higher batch losses, and a model that keeps more accuracy under attack", async () => {
  const plain = await train();
  const adv = await train({ epsilon: 0.8, steps: 5 });
  // The first step's loss is measured on the attacked batch at the same initial parameters, so it is larger.
  assert.ok(adv.trace.steps[0].loss > plain.trace.steps[0].loss, `${adv.trace.steps[0].loss} vs ${plain.trace.steps[0].loss}`);
  const model = gn.nn.parseModel("logreg", { inputShape: [2], outputs: 1 });
  const d = data();
  const curve = (params: gn.Tree) => gn.audit.robustAccuracyCurve((x) => model.apply(params, x).y, d.x, d.y, { epsilons: [0, 0.9] });
  const p = curve(plain.params);
  const r = curve(adv.params);
  assert.ok(r[1].accuracy > p[1].accuracy, `robust accuracy at 0.9: ${r[1].accuracy} (adversarial) vs ${p[1].accuracy}`);
  // Under an L-infinity attack every feature's weight costs margin: the noise feature's weight shrinks relative to the signal's.
  const ratio = (params: gn.Tree) => {
    const w = gn.treeLeaves(params).find((t) => t.size === 2)!.toTypedArray();
    return Math.abs(w[1] / w[0]);
  };
  assert.ok(ratio(adv.params) < ratio(plain.params), `|w1 / w0|: ${ratio(adv.params)} (adversarial) vs ${ratio(plain.params)}`);
});

test("fit's adversarial option checks its settings and needs class labels", async () => {
  await assert.rejects(train({ epsilon: -1 }), /adversarial\.epsilon must be a finite number >= 0/);
  await assert.rejects(train({ epsilon: 0.1, mix: 2 }), /adversarial\.mix must be in \[0, 1\]/);
  const reg = gn.train.fit(gn.nn.parseModel("logreg", { inputShape: [2], outputs: 1 }), { x: gn.ones([4, 2]), y: gn.zeros([4]) }, { epochs: 1, adversarial: { epsilon: 0.1 } });
  await assert.rejects(reg, /adversarial training needs class labels/);
});
