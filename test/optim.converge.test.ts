/**
 * Every optimizer converges on a parabola (2-D quadratic, condition number 10, from (1.1, -0.9)) and
 * on 2-D Rosenbrock (from (-1.2, 1)) to f - f* <= 1e-6, in float64, within the step budgets that
 * docs/optimizers.md lists (the same table as below: keep them in step).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const O = gn.optim;
const T = O.testFunctions;
const TOL = 1e-6;

type Make = () => gn.optim.GradientTransformation;
const CASES: { name: string; parabola: [Make, number]; rosenbrock: [Make, number] }[] = [
  { name: "sgd", parabola: [() => O.sgd({ lr: 0.1 }), 80], rosenbrock: [() => O.sgd({ lr: 2e-3 }), 9000] },
  { name: "sgd momentum", parabola: [() => O.sgd({ lr: 0.03, momentum: 0.9 }), 130], rosenbrock: [() => O.sgd({ lr: 1e-3, momentum: 0.9 }), 1700] },
  { name: "sgd nesterov", parabola: [() => O.sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), 45], rosenbrock: [() => O.sgd({ lr: 1e-3, momentum: 0.9, nesterov: true }), 1700] },
  { name: "adagrad", parabola: [() => O.adagrad({ lr: 0.5 }), 20], rosenbrock: [() => O.adagrad({ lr: 0.5 }), 9500] },
  {
    name: "rmsprop",
    parabola: [() => O.rmsprop({ lr: 0.01 }), 200],
    rosenbrock: [() => O.rmsprop({ lr: O.exponentialDecay({ init: 1e-2, rate: 0.5, steps: 500 }) }), 6500],
  },
  { name: "rmsprop centered", parabola: [() => O.rmsprop({ lr: 0.01, centered: true }), 170], rosenbrock: [() => O.rmsprop({ lr: 1e-3, centered: true, momentum: 0.9 }), 1300] },
  { name: "adam", parabola: [() => O.adam({ lr: 0.1 }), 140], rosenbrock: [() => O.adam({ lr: 0.1 }), 1400] },
  { name: "adamw", parabola: [() => O.adamw({ lr: 0.1, weightDecay: 1e-4 }), 140], rosenbrock: [() => O.adamw({ lr: 0.1, weightDecay: 1e-4 }), 1500] },
  { name: "amsgrad", parabola: [() => O.amsgrad({ lr: 0.1 }), 140], rosenbrock: [() => O.amsgrad({ lr: 0.1 }), 1800] },
  { name: "nadam", parabola: [() => O.nadam({ lr: 0.1 }), 80], rosenbrock: [() => O.nadam({ lr: 0.01 }), 5500] },
  { name: "lion", parabola: [() => O.lion({ lr: 0.01 }), 320], rosenbrock: [() => O.lion({ lr: 0.01 }), 350] },
  { name: "l-bfgs (strong Wolfe)", parabola: [() => O.lbfgs(), 10], rosenbrock: [() => O.lbfgs(), 45] },
  { name: "l-bfgs (backtracking)", parabola: [() => O.lbfgs({ lineSearch: "backtracking" }), 10], rosenbrock: [() => O.lbfgs({ lineSearch: "backtracking" }), 55] },
];

/** The number of updates after which f - f* <= TOL, and the parameters there. */
function stepsTo(fn: gn.optim.TestFunction, make: Make, budget: number): { steps: number | null; at: number[] } {
  let reached: number | null = null;
  const r = O.minimizeSync(fn.f, fn.init("float64"), {
    optimizer: make(),
    steps: budget,
    paramsEvery: 1,
    onStep: (s) => {
      if (s.loss - fn.fMin! <= TOL) {
        reached = s.step;
        return false;
      }
    },
  });
  if (reached === null && r.loss - fn.fMin! <= TOL) return { steps: r.steps, at: r.trace.final!.params };
  return { steps: reached, at: reached === null ? [] : r.trace.steps[reached].params! };
}

for (const c of CASES) {
  test(`${c.name} converges on the parabola and on Rosenbrock within the documented steps`, () => {
    for (const [fn, [make, budget]] of [[T.quadratic({ dim: 2, condition: 10 }), c.parabola], [T.rosenbrock(2), c.rosenbrock]] as const) {
      const { steps, at: x } = stepsTo(fn, make, budget);
      assert.ok(steps !== null, `${c.name} on ${fn.name}: f - f* > ${TOL} after ${budget} steps`);
      const dist = Math.hypot(...x.map((v, i) => v - fn.minimizers[0][i]));
      assert.ok(dist < 5e-3, `${c.name} on ${fn.name}: ${dist} from the minimizer`);
    }
  });
}

test("every ready-made optimizer is in the convergence table", () => {
  const names = CASES.map((c) => c.name);
  for (const n of ["sgd", "adagrad", "rmsprop", "adam", "adamw", "amsgrad", "nadam", "lion"]) assert.ok(names.some((m) => String(m).startsWith(n)), n);
});
