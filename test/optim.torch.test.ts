/**
 * Step-for-step agreement with PyTorch's optimizers: trajectories from scripts/torch_reference.py
 * (committed in test/fixtures/optim_torch.json) against gn.optim on the same float64 problem.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as gn from "../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
interface Config {
  name: string;
  optimizer: "sgd" | "adam" | "adamw" | "amsgrad" | "nadam" | "rmsprop" | "adagrad";
  options: Record<string, unknown>;
  lrChange: { step: number; lr: number } | null;
  torch: string;
  trajectory: { w: number[]; b: number[][] }[];
}
const fixture: { problem: { A: number[][]; c: number[]; t: number[][]; w0: number[]; b0: number[][]; steps: number }; configs: Config[] } = JSON.parse(
  readFileSync(join(root, "test", "fixtures", "optim_torch.json"), "utf8"),
);
const { A, c, t, w0, b0 } = fixture.problem;
const f64 = { dtype: "float64" } as const;
// Made on the backend under test (each call), so every op of the run happens there.
const loss = ({ w, b }: { w: gn.Tensor; b: gn.Tensor }) =>
  w.dot(gn.tensor(A, f64).matmul(w)).mul(0.5).sub(gn.tensor(c, f64).dot(w)).add(b.pow(4).sum().mul(0.25)).add(b.sub(gn.tensor(t, f64)).square().sum().mul(0.5));
const grad = gn.grad(loss);

const tolerance = 1e-12;

for (const backend of gn.listBackends()) {
  for (const cfg of fixture.configs) {
    test(`matches PyTorch step for step on the ${backend} backend: ${cfg.name} (${cfg.torch})`, () => {
      const before = gn.getBackend().name;
      gn.setBackend(backend);
      try {
        runConfig(cfg);
      } finally {
        gn.setBackend(before);
      }
    });
  }
}

function runConfig(cfg: Config): void {
  const opt = (gn.optim as any)[cfg.optimizer](cfg.options) as gn.optim.GradientTransformation;
  let params = { w: gn.tensor(w0, f64), b: gn.tensor(b0, f64) };
  let state = opt.init(params);
  cfg.trajectory.forEach((want, k) => {
    if (cfg.lrChange && k === cfg.lrChange.step) state = gn.optim.setHyper(state, "lr", cfg.lrChange.lr);
    const r = opt.update(grad(params), state, params);
    params = gn.optim.applyUpdates(params, r.updates);
    state = r.state;
    const got = [...params.w.toTypedArray(), ...params.b.toTypedArray()];
    const exp = [...want.w, ...want.b.flat()];
    got.forEach((g, i) => {
      const tol = tolerance * Math.max(1, Math.abs(exp[i]));
      assert.ok(Math.abs(g - exp[i]) <= tol, `${cfg.name}, step ${k + 1}, element ${i}: got ${g}, PyTorch ${exp[i]} (difference ${Math.abs(g - exp[i])}, tolerance ${tol})`);
    });
  });
}

test("the fixture covers every PyTorch-equivalent optimizer", () => {
  const covered = new Set(fixture.configs.map((c) => c.optimizer));
  for (const name of ["sgd", "adam", "adamw", "amsgrad", "nadam", "rmsprop", "adagrad"]) assert.ok(covered.has(name as Config["optimizer"]), name);
});
