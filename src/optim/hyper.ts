/**
 * Hyperparameters live in an optimizer's state, under `hyper`, as numbers or schedules (plain data).
 * Read them from the state, or change them between steps with `setHyper`; the next `update` uses the
 * new value. `hyperValues` evaluates them at a step count.
 */
import { ValueError } from "../core/errors.js";
import { type Schedule, isSchedule, scheduleValue } from "./schedules.js";

/** A hyperparameter: a number, or a schedule evaluated at the optimizer's step count. */
export type HyperValue = number | Schedule;

/** The `hyper` record of a transform's state. */
export type Hyper = Record<string, HyperValue>;

/** The numbers a `Hyper` record takes at one step. */
export type HyperNumbers<H> = { [K in keyof H]: number };

/** @internal Evaluates every hyperparameter at `count` (schedules at that step, numbers as they are). */
export function hyperValues<H extends Hyper>(op: string, h: H, count: number): HyperNumbers<H> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(h)) {
    const v = h[k];
    if (typeof v === "number") out[k] = v;
    else if (isSchedule(v)) out[k] = scheduleValue(v, count);
    else throw new ValueError(`${op}: hyperparameter ${k} is ${JSON.stringify(v)}; it must be a number or a schedule (gn.optim.*Schedule)`);
  }
  return out as HyperNumbers<H>;
}

/** @internal Checks user-given hyperparameters: numbers must be finite; schedules are taken as they are. */
export function checkHyper<H extends Hyper>(op: string, h: H, rules: Partial<Record<keyof H, [(v: number) => boolean, string]>> = {}): H {
  for (const k of Object.keys(h) as (keyof H & string)[]) {
    const v = h[k];
    if (isSchedule(v)) continue;
    if (typeof v !== "number" || Number.isNaN(v)) throw new ValueError(`${op}: ${k} must be a number or a schedule, got ${JSON.stringify(v)}`);
    const rule = rules[k];
    if (rule && !rule[0](v)) throw new ValueError(`${op}: ${k} must be ${rule[1]}, got ${v}`);
  }
  return h;
}

function locate(op: string, state: unknown, path: string): { parents: [Record<string, unknown>, string][]; hyper: Record<string, unknown>; key: string } {
  const parts = path.split(".");
  const key = parts.pop()!;
  const parents: [Record<string, unknown>, string][] = [];
  let node = state as Record<string, unknown>;
  for (const p of parts) {
    const next = node !== null && typeof node === "object" ? node[p] : undefined;
    if (next === null || typeof next !== "object")
      throw new ValueError(`${op}: no transform state at "${p}" in path "${path}" (available: ${Object.keys(node ?? {}).join(", ") || "none"})`);
    parents.push([node, p]);
    node = next as Record<string, unknown>;
  }
  const hyper = node.hyper as Record<string, unknown> | undefined;
  if (hyper === undefined || hyper === null || typeof hyper !== "object") throw new ValueError(`${op}: the state at "${parts.join(".") || "(root)"}" has no hyperparameters (keys: ${Object.keys(node).join(", ")})`);
  if (!(key in hyper)) throw new ValueError(`${op}: no hyperparameter "${key}" at "${parts.join(".") || "(root)"}" (it has: ${Object.keys(hyper).join(", ")})`);
  return { parents, hyper, key };
}

/**
 * A hyperparameter read from a state by path: the transform names down the chain, then the
 * hyperparameter's name. Returns the number or the schedule stored there.
 * @example
 * const opt = gn.optim.chain({ clip: gn.optim.clipByGlobalNorm(1), adam: gn.optim.adam({ lr: 1e-3 }) });
 * gn.optim.getHyper(opt.init(params), "adam.lr"); // 0.001
 */
export function getHyper(state: unknown, path: string): HyperValue {
  const { hyper, key } = locate("getHyper", state, path);
  return hyper[key] as HyperValue;
}

/**
 * A copy of `state` with one hyperparameter replaced (the rest is shared, not copied). The next update
 * uses the new value, so this is how to change a learning rate between steps.
 * @example state = gn.optim.setHyper(state, "adam.lr", 1e-4);
 */
export function setHyper<S>(state: S, path: string, value: HyperValue): S {
  if (!(typeof value === "number" && !Number.isNaN(value)) && !isSchedule(value))
    throw new ValueError(`setHyper: the value for "${path}" must be a number or a schedule, got ${JSON.stringify(value)}`);
  const { parents, hyper, key } = locate("setHyper", state, path);
  let node: Record<string, unknown> = { ...(parents.length ? (parents[parents.length - 1][0][parents[parents.length - 1][1]] as object) : (state as object)), hyper: { ...hyper, [key]: value } };
  for (let i = parents.length - 1; i >= 0; i--) {
    const [parent, k] = parents[i];
    node = { ...parent, [k]: node };
  }
  return node as S;
}
