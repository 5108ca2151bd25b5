/**
 * Optimizer benchmarks, run by `npm run bench` (bench/index.ts) after the engine comparison:
 * 1. the cost of one Adam step (update + applyUpdates) per parameter on a tree of about 1M float32
 *    parameters, on every registered backend;
 * 2. steps to tolerance: for each optimizer and test function, the fewest steps (over a grid of
 *    learning rates) to reach f - f* <= 1e-6 from the function's standard start, in float64, on the
 *    default backend. The full table takes a while (tens of minutes on two busy cores): most of it is
 *    the runs that never reach the tolerance and go to the step cap.
 *
 *   node dist/bench/optim.js            # both, prints markdown tables
 *   node dist/bench/optim.js --quick    # three functions, three learning rates, cap 2000 (seconds)
 */
import { fileURLToPath } from "node:url";
import * as gn from "../src/index.js";

const T = gn.optim.testFunctions;

export interface AdamStepCost {
  backend: string;
  params: number;
  leaves: number;
  /** Wall-clock median. */
  msPerStep: number;
  nsPerParam: number;
  /** Process CPU time median (steadier than wall-clock on a shared machine). */
  cpuMsPerStep: number;
  cpuNsPerParam: number;
  repeats: number;
}

/** Median time of one Adam update + applyUpdates on a ~1M-parameter tree (4 layers of 500x500 plus biases). */
export function adamStepCost(o: { repeats?: number } = {}): AdamStepCost {
  const key = gn.random.key(0);
  const keys = gn.random.split(key, 8);
  const params = {
    layers: [0, 1, 2, 3].map((i) => ({ w: gn.random.normal(keys[2 * i], [500, 500], { std: 0.05 }), b: gn.zeros([500]) })),
  };
  const grads = gn.treeMap((p: gn.Tensor) => p.mul(0.01).add(0.001), params);
  const opt = gn.optim.adam({ lr: 1e-3 });
  let state = opt.init(params);
  let p = params;
  const repeats = o.repeats ?? 15;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let r = 0; r < repeats + 2; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { updates, state: next } = opt.update(grads, state, p);
    p = gn.optim.applyUpdates(p, updates);
    gn.treeLeaves(p)[0].toTypedArray(); // make sure the work is done on lazy backends
    const dt = performance.now() - t0;
    const dc = process.cpuUsage(c0);
    state = next;
    if (r >= 2) {
      // two warm-up steps
      times.push(dt);
      cpuTimes.push((dc.user + dc.system) / 1000);
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const ms = median(times);
  const cpu = median(cpuTimes);
  const n = gn.optim.treeSize(params);
  return { backend: gn.getBackend().name, params: n, leaves: gn.treeLeaves(params).length, msPerStep: ms, nsPerParam: (ms * 1e6) / n, cpuMsPerStep: cpu, cpuNsPerParam: (cpu * 1e6) / n, repeats };
}

type Factory = (lr: number) => gn.optim.GradientTransformation;

/** The optimizers of the table; `lr: false` marks those without a learning rate (line searches). */
export const BENCH_OPTIMIZERS: { name: string; make: Factory; lr: boolean }[] = [
  { name: "sgd", make: (lr) => gn.optim.sgd({ lr }), lr: true },
  { name: "momentum 0.9", make: (lr) => gn.optim.sgd({ lr, momentum: 0.9 }), lr: true },
  { name: "nesterov 0.9", make: (lr) => gn.optim.sgd({ lr, momentum: 0.9, nesterov: true }), lr: true },
  { name: "adagrad", make: (lr) => gn.optim.adagrad({ lr }), lr: true },
  { name: "rmsprop", make: (lr) => gn.optim.rmsprop({ lr }), lr: true },
  { name: "rmsprop centered", make: (lr) => gn.optim.rmsprop({ lr, centered: true }), lr: true },
  { name: "adam", make: (lr) => gn.optim.adam({ lr }), lr: true },
  { name: "adamw (wd 0)", make: (lr) => gn.optim.adamw({ lr, weightDecay: 0 }), lr: true },
  { name: "amsgrad", make: (lr) => gn.optim.amsgrad({ lr }), lr: true },
  { name: "nadam", make: (lr) => gn.optim.nadam({ lr }), lr: true },
  { name: "lion", make: (lr) => gn.optim.lion({ lr }), lr: true },
  { name: "l-bfgs (wolfe)", make: () => gn.optim.lbfgs(), lr: false },
  { name: "l-bfgs (armijo)", make: () => gn.optim.lbfgs({ lineSearch: "backtracking" }), lr: false },
];

export interface BenchFunction {
  name: string;
  fn: gn.optim.TestFunction<any>;
  fMin: number;
}

/** The test functions of the table (logistic regression's minimum is found first with L-BFGS). */
export function benchFunctions(quick = false): BenchFunction[] {
  const list: gn.optim.TestFunction<any>[] = [
    T.quadratic({ dim: 2, condition: 10 }),
    T.quadratic({ dim: 2, condition: 100, rotate: true }),
    T.rosenbrock(2),
    T.beale(),
    T.booth(),
    T.himmelblau(),
    T.rastrigin(2),
    T.ackley(2),
    T.logisticRegression({ n: 200, d: 5 }),
  ];
  const chosen = quick ? list.filter((f) => /quadratic\(dim 2, condition 10\)|rosenbrock|booth/.test(f.name)) : list;
  return chosen.map((fn) => {
    let fMin = fn.fMin;
    if (fMin === null) fMin = gn.optim.minimizeSync(fn.f, fn.init("float64"), { optimizer: gn.optim.lbfgs(), tolerance: 1e-12, steps: 500 }).loss;
    return { name: fn.name, fn, fMin };
  });
}

export interface StepsCell {
  /** Fewest steps to f - f* <= tol over the grid (null: not reached within the cap by any lr). */
  steps: number | null;
  /** Loss-and-gradient evaluations of that run. */
  evals: number | null;
  /** The learning rate that achieved it (null for line-search methods). */
  lr: number | null;
}

/**
 * One run: the number of updates after which f - f* <= tol (null if not within `cap`, or on divergence:
 * a non-finite loss or one a million times the start's). A lean loop (no trace) with what minimize
 * passes in extras, so line searches work and reuse their last evaluation as minimize does.
 */
export function stepsToTolerance(f: BenchFunction, opt: gn.optim.GradientTransformation, cap: number, tol: number): { steps: number | null; evals: number } {
  let evals = 0;
  const lossFn = (p: unknown) => {
    evals++;
    return f.fn.f(p);
  };
  const vg = gn.valueAndGrad(lossFn);
  let x: unknown = f.fn.init("float64");
  let [l, g] = vg(x);
  let loss = (l as gn.Tensor).item();
  const limit = 1e6 * (Math.abs(loss) + 1);
  let state = opt.init(x);
  for (let k = 0; ; k++) {
    if (loss - f.fMin <= tol) return { steps: k, evals };
    if (k === cap || !Number.isFinite(loss) || loss > limit) return { steps: null, evals };
    const r = opt.update(g, state, x, { loss, grads: g, lossFn });
    x = gn.optim.applyUpdates(x, r.updates);
    state = r.state;
    if (r.info.evaluated?.grads !== undefined) [loss, g] = [r.info.evaluated.loss, r.info.evaluated.grads];
    else {
      [l, g] = vg(x);
      loss = (l as gn.Tensor).item();
    }
  }
}

/** Learning rates tried, largest first (divergent runs end fast, and a good early result caps the later runs). */
export const LR_GRID = [1, 3e-1, 1e-1, 3e-2, 1e-2, 3e-3, 1e-3];

/** The steps-to-tolerance table: rows are optimizers, columns test functions. */
export function stepsTable(o: { quick?: boolean; cap?: number; tol?: number; log?: (line: string) => void } = {}): { functions: string[]; rows: { optimizer: string; cells: StepsCell[] }[]; cap: number; tol: number } {
  const quick = !!o.quick;
  const cap = o.cap ?? (quick ? 2000 : 10000);
  const tol = o.tol ?? 1e-6;
  const grid = quick ? [1e-1, 1e-2, 1e-3] : LR_GRID;
  const fns = benchFunctions(quick);
  const rows = BENCH_OPTIMIZERS.map((b) => {
    const cells = fns.map((f) => {
      let best: StepsCell = { steps: null, evals: null, lr: null };
      for (const lr of b.lr ? grid : [NaN]) {
        const limit = best.steps === null ? cap : best.steps;
        const r = stepsToTolerance(f, b.make(lr), limit, tol);
        if (r.steps !== null && (best.steps === null || r.steps < best.steps)) best = { steps: r.steps, evals: r.evals, lr: b.lr ? lr : null };
      }
      return best;
    });
    o.log?.(`  ${b.name}: ${cells.map((c) => c.steps ?? "-").join(" ")}`);
    return { optimizer: b.name, cells };
  });
  return { functions: fns.map((f) => f.name), rows, cap, tol };
}

/** Markdown for the table: "steps (lr)" per cell, "-" when not reached. */
export function formatStepsTable(t: ReturnType<typeof stepsTable>): string {
  const head = `| optimizer | ${t.functions.join(" | ")} |`;
  const sep = `|---|${t.functions.map(() => "---:").join("|")}|`;
  const lines = t.rows.map((r) => `| ${r.optimizer} | ${r.cells.map((c) => (c.steps === null ? "-" : c.lr === null ? `${c.steps} (${c.evals} ev)` : `${c.steps} (${c.lr})`)).join(" | ")} |`);
  return [head, sep, ...lines].join("\n");
}

/** Both benchmarks, as markdown. */
export function runOptimBench(o: { quick?: boolean; log?: (line: string) => void } = {}): { adam: AdamStepCost[]; table: ReturnType<typeof stepsTable>; markdown: string } {
  const log = o.log ?? (() => {});
  const initial = gn.getBackend().name;
  const adam: AdamStepCost[] = [];
  for (const b of gn.listBackends()) {
    gn.setBackend(b);
    log(`optim: one Adam step on a ~1M-parameter tree (${b}) ...`);
    const c = adamStepCost({ repeats: o.quick ? 5 : 15 });
    log(`optim: ${c.msPerStep.toFixed(1)} ms per step, ${c.nsPerParam.toFixed(1)} ns per parameter wall, ${c.cpuNsPerParam.toFixed(1)} CPU (${b})`);
    adam.push(c);
  }
  gn.setBackend(initial);
  log(`optim: steps to tolerance (${initial}) ...`);
  const table = stepsTable({ quick: o.quick, log });
  const markdown = [
    `### One Adam step (update + applyUpdates), float32, median of ${adam[0]?.repeats ?? 0}`,
    "",
    `| backend | parameters | leaves | ms per step (wall) | ns per parameter (wall) | ns per parameter (CPU) |`,
    `|---|---:|---:|---:|---:|---:|`,
    ...adam.map((c) => `| ${c.backend} | ${c.params} | ${c.leaves} | ${c.msPerStep.toFixed(1)} | ${c.nsPerParam.toFixed(1)} | ${c.cpuNsPerParam.toFixed(1)} |`),
    "",
    `### Steps to f - f* <= ${table.tol} (${initial} backend, float64, standard starts, cap ${table.cap} steps; best learning rate of ${o.quick ? "1e-1, 1e-2, 1e-3" : LR_GRID.join(", ")} in parentheses; L-BFGS: steps and loss evaluations)`,
    "",
    formatStepsTable(table),
  ].join("\n");
  return { adam, table, markdown };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes("--quick");
  const r = runOptimBench({ quick, log: (l) => process.stderr.write(l + "\n") });
  console.log(r.markdown);
}
