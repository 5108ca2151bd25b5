/**
 * minimize: run an optimizer on a loss function until a stop rule holds, recording the route.
 * `minimize` is async and yields to the event loop as it goes, so an AbortSignal (a Stop button, a
 * timeout) can cancel it; `minimizeSync` runs in one go (cancel it from onStep).
 */
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { valueAndGrad } from "../transforms/autodiff.js";
import { type GradientTransformation, applyUpdates } from "./transform.js";
import { type OptimTrace, type StopStatus, type TraceStep, TraceRecorder } from "./trace.js";
import { globalNorm } from "./treemath.js";

export interface MinimizeOptions<S = any> {
  /** The optimizer (e.g. gn.optim.adam({ lr: 1e-2 }), gn.optim.lbfgs()). */
  optimizer: GradientTransformation<S>;
  /** The most steps to take (default 1000). */
  steps?: number;
  /**
   * Stop rules besides `steps`: a number is a gradient-norm tolerance; `gradNorm` stops when
   * ‖∇f‖ <= gradNorm; `lossChange` stops when |f_k - f_{k+1}| <= lossChange · max(|f_k|, |f_{k+1}|, 1)
   * (SciPy's ftol rule). Default: none (run all steps).
   */
  tolerance?: number | { gradNorm?: number; lossChange?: number };
  /** Called after each step with its trace record; return false to stop (status "stopped"). */
  onStep?: (step: TraceStep, ctx: { params: any; state: S }) => void | boolean;
  /** Cancels the run (status "cancelled"); the result holds the parameters reached. */
  signal?: AbortSignal;
  /** Record the parameters in the trace every this many steps (default 0: never; the final ones are always kept). */
  paramsEvery?: number;
  /** Start from this optimizer state instead of optimizer.init(params0) (to resume a run). */
  state?: S;
  /** Stop (status "nonFinite") after this many skipped non-finite steps in a row (default 10). */
  maxConsecutiveSkips?: number;
  /** minimize only: yield to the event loop at least this often, in milliseconds (default 20). */
  yieldEveryMs?: number;
}

export interface MinimizeResult<T, S = any> {
  /** The parameters reached. */
  params: T;
  /** The optimizer state at the end (resume with { state }). */
  state: S;
  /** The loss and gradient norm at `params`. */
  loss: number;
  gradNorm: number;
  /** Why it stopped. */
  status: StopStatus;
  /** Steps taken and loss evaluations made (each loss-and-gradient evaluation counts one). */
  steps: number;
  evals: number;
  /** The route. */
  trace: OptimTrace;
}

function* run<T, S>(f: (params: T) => Tensor, params0: T, o: MinimizeOptions<S>): Generator<void, MinimizeResult<T, S>, void> {
  if (typeof f !== "function") throw new ValueError("minimize: the first argument must be the loss function (params) => scalar tensor");
  if (o === undefined || o.optimizer === undefined || typeof o.optimizer.update !== "function")
    throw new ValueError("minimize: give an optimizer, e.g. minimize(f, params, { optimizer: gn.optim.adam({ lr: 1e-2 }) })");
  const maxSteps = o.steps ?? 1000;
  if (!Number.isInteger(maxSteps) || maxSteps < 0) throw new ValueError(`minimize: steps must be an integer >= 0, got ${maxSteps}`);
  const tol = typeof o.tolerance === "number" ? { gradNorm: o.tolerance } : (o.tolerance ?? {});
  const maxSkips = o.maxConsecutiveSkips ?? 10;
  const opt = o.optimizer;
  let evals = 0;
  const lossFn = (p: T): Tensor => {
    evals++;
    return f(p);
  };
  const vg = valueAndGrad(lossFn);
  const evaluate = (p: T): [number, unknown] => {
    const [l, g] = vg(p);
    return [(l as Tensor).item(), g];
  };
  const recorder = new TraceRecorder({ optimizer: opt.name, paramsEvery: o.paramsEvery });
  let params = params0;
  let state = o.state ?? opt.init(params);
  let [loss, grads] = evaluate(params);
  let gradNorm = globalNorm(grads);
  let status: StopStatus = "maxSteps";
  let skips = 0;
  for (let k = 0; k < maxSteps; k++) {
    if (o.signal?.aborted) {
      status = "cancelled";
      break;
    }
    if (tol.gradNorm !== undefined && gradNorm <= tol.gradNorm) {
      status = "gradNorm";
      break;
    }
    const before = evals;
    const { updates, state: nextState, info } = opt.update(grads, state, params, { loss, grads, lossFn });
    const updateNorm = globalNorm(updates);
    if (!Number.isFinite(updateNorm)) {
      // Never apply a non-finite update: record the step as non-finite and stop where we are.
      recorder.record({ loss, grads, updates, info: { ...info, nonFinite: true, skipped: true }, params, evals: evals - before });
      status = "nonFinite";
      break;
    }
    const next = applyUpdates(params, updates);
    let nextLoss: number;
    let nextGrads: unknown;
    if (info.evaluated?.grads !== undefined) [nextLoss, nextGrads] = [info.evaluated.loss, info.evaluated.grads];
    // Same parameters: reuse, unless the step was skipped as non-finite (a stochastic loss may recover).
    else if (updateNorm === 0 && !info.nonFinite) [nextLoss, nextGrads] = [loss, grads];
    else [nextLoss, nextGrads] = evaluate(next);
    const record = recorder.record({ loss, grads, updates, info, params, evals: evals - before + (k === 0 ? 1 : 0) });
    const prevLoss = loss;
    params = next;
    state = nextState;
    loss = nextLoss;
    grads = nextGrads;
    gradNorm = globalNorm(grads);
    if (o.onStep && o.onStep(record, { params, state }) === false) {
      status = "stopped";
      break;
    }
    skips = info.skipped && info.nonFinite ? skips + 1 : 0;
    if (skips >= maxSkips) {
      status = "nonFinite";
      break;
    }
    if (info.lineSearch?.status === "failed" && updateNorm === 0) {
      status = "lineSearchFailed";
      break;
    }
    if (tol.lossChange !== undefined && !info.skipped && !info.accumulating && Math.abs(prevLoss - loss) <= tol.lossChange * Math.max(Math.abs(prevLoss), Math.abs(loss), 1)) {
      status = "lossChange";
      break;
    }
    yield;
  }
  if (status === "maxSteps" && tol.gradNorm !== undefined && gradNorm <= tol.gradNorm) status = "gradNorm";
  recorder.finish({ loss, gradNorm, params, status, evals });
  return { params, state, loss, gradNorm, status, steps: recorder.trace.steps.length, evals, trace: recorder.trace };
}

/**
 * Minimizes `f` (params => scalar tensor) from `params0` (a tensor or a tree of tensors) with
 * `optimizer`, until a stop rule holds, and returns the parameters and the trace. It never applies an
 * update holding NaN or infinity: such a step is recorded as non-finite and the run stops with status
 * "nonFinite" (with `skipIfNotFinite`, such steps are skipped instead, up to maxConsecutiveSkips in a row).
 * Async: it yields to the event loop every `yieldEveryMs`, so `signal` can cancel it.
 * @example
 * const f = (x) => x.sub(3).square().sum();
 * const { params, trace } = await gn.optim.minimize(f, gn.zeros([2]), { optimizer: gn.optim.adam({ lr: 0.1 }), steps: 500, tolerance: 1e-6 });
 */
export async function minimize<T, S = any>(f: (params: T) => Tensor, params0: T, o: MinimizeOptions<S>): Promise<MinimizeResult<T, S>> {
  const it = run(f, params0, o);
  const every = o.yieldEveryMs ?? 20;
  let last = Date.now();
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
    if (Date.now() - last >= every) {
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      last = Date.now();
    }
  }
}

/**
 * `minimize` without yielding: returns the result directly. Cancel it from `onStep` (return false, or
 * abort the signal there).
 * @example const { params } = gn.optim.minimizeSync(f, x0, { optimizer: gn.optim.lbfgs(), tolerance: 1e-8 });
 */
export function minimizeSync<T, S = any>(f: (params: T) => Tensor, params0: T, o: MinimizeOptions<S>): MinimizeResult<T, S> {
  const it = run(f, params0, o);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}
