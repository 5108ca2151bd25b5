/** Schedules match their formulas, and are validated. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";

const O = gn.optim;
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const v = O.scheduleValue;

test("constant and linear", () => {
  const c = O.constantSchedule(0.3);
  for (const t of [0, 5, 1e6]) near(v(c, t), 0.3, `constant at ${t}`);
  const l = O.linearSchedule({ init: 1, end: 0.2, steps: 8, begin: 2 });
  near(v(l, 0), 1, "before begin");
  near(v(l, 2), 1, "at begin");
  near(v(l, 6), 0.6, "halfway");
  near(v(l, 10), 0.2, "at the end");
  near(v(l, 100), 0.2, "after");
});

test("polynomial: (init - end) (1 - t/steps)^power + end", () => {
  const p = O.polynomialSchedule({ init: 2, end: 0.5, power: 3, steps: 10 });
  for (const t of [0, 1, 3.5, 7, 10, 12]) near(v(p, t), 1.5 * Math.pow(1 - Math.min(t, 10) / 10, 3) + 0.5, `t=${t}`);
});

test("exponential decay, smooth and staircase, with an end bound", () => {
  const e = O.exponentialDecay({ init: 0.1, rate: 0.5, steps: 10 });
  for (const t of [0, 5, 10, 25]) near(v(e, t), 0.1 * Math.pow(0.5, t / 10), `t=${t}`);
  const s = O.exponentialDecay({ init: 0.1, rate: 0.5, steps: 10, staircase: true, begin: 5 });
  near(v(s, 3), 0.1, "before begin");
  near(v(s, 14), 0.1, "first stair");
  near(v(s, 15), 0.05, "second stair");
  near(v(s, 34), 0.025, "third stair");
  const b = O.exponentialDecay({ init: 1, rate: 0.1, steps: 1, end: 1e-3 });
  near(v(b, 10), 1e-3, "floored at end");
  const g = O.exponentialDecay({ init: 1, rate: 2, steps: 1, end: 5 });
  near(v(g, 10), 5, "growth capped at end");
});

test("piecewise constant: values[k], k = boundaries reached", () => {
  const p = O.piecewiseConstantSchedule({ boundaries: [10, 20], values: [1, 0.1, 0.01] });
  const expect = (t: number) => (t < 10 ? 1 : t < 20 ? 0.1 : 0.01);
  for (const t of [0, 9, 10, 19.5, 20, 1000]) near(v(p, t), expect(t), `t=${t}`);
  assert.throws(() => O.piecewiseConstantSchedule({ boundaries: [10, 5], values: [1, 2, 3] }), /boundaries must increase/);
  assert.throws(() => O.piecewiseConstantSchedule({ boundaries: [10], values: [1] }), /one more entry/);
});

test("cosine decay: init ((1 - alpha) ½(1 + cos(π t / T))^exponent + alpha)", () => {
  const c = O.cosineDecaySchedule({ init: 0.4, steps: 100, alpha: 0.1 });
  near(v(c, 0), 0.4, "start");
  near(v(c, 50), 0.4 * (0.9 * 0.5 + 0.1), "middle");
  near(v(c, 100), 0.04, "end");
  near(v(c, 500), 0.04, "after");
  for (const t of [13, 77]) near(v(c, t), 0.4 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * t) / 100)) + 0.1), `t=${t}`);
  const e = O.cosineDecaySchedule({ init: 1, steps: 10, exponent: 2 });
  near(v(e, 5), 0.25, "exponent 2 at the middle");
});

test("warmup + cosine: linear to the peak, then cosine to the end at `steps`", () => {
  const w = O.warmupCosineDecaySchedule({ init: 0.01, peak: 1, warmupSteps: 10, steps: 110, end: 0.1 });
  near(v(w, 0), 0.01, "start");
  near(v(w, 5), 0.01 + 0.99 * 0.5, "mid warmup");
  near(v(w, 10), 1, "peak");
  near(v(w, 60), 0.1 + 0.9 * 0.5, "mid decay");
  near(v(w, 110), 0.1, "end");
  near(v(w, 1000), 0.1, "after");
  assert.throws(() => O.warmupCosineDecaySchedule({ peak: 1, warmupSteps: 10, steps: 10 }), /must exceed warmupSteps/);
});

test("one-cycle: cosine up from peak/div to peak at pctStart, cosine down to peak/(div·finalDiv)", () => {
  const o = O.oneCycleSchedule({ steps: 100, peak: 1, pctStart: 0.25, divFactor: 10, finalDivFactor: 100 });
  near(v(o, 0), 0.1, "start");
  near(v(o, 12.5), 0.1 + 0.9 * 0.5, "middle of the rise");
  near(v(o, 25), 1, "peak");
  near(v(o, 62.5), 0.001 + (1 - 0.001) * 0.5, "middle of the fall");
  near(v(o, 100), 0.001, "end");
  for (let t = 1; t < 25; t++) assert.ok(v(o, t) > v(o, t - 1), "rises");
  for (let t = 26; t <= 100; t++) assert.ok(v(o, t) < v(o, t - 1), "falls");
});

test("schedules are plain data (JSON round trip) and are validated", () => {
  const all = [
    O.constantSchedule(1),
    O.linearSchedule({ init: 1, end: 0, steps: 5 }),
    O.exponentialDecay({ init: 1, rate: 0.9, steps: 3 }),
    O.piecewiseConstantSchedule({ boundaries: [1], values: [1, 2] }),
    O.cosineDecaySchedule({ init: 1, steps: 9 }),
    O.warmupCosineDecaySchedule({ peak: 1, warmupSteps: 2, steps: 9 }),
    O.oneCycleSchedule({ steps: 9, peak: 1 }),
  ];
  for (const s of all) {
    const back = JSON.parse(JSON.stringify(s));
    for (const t of [0, 1, 4, 9]) assert.equal(v(back, t), v(s, t), s.schedule);
  }
  assert.throws(() => O.cosineDecaySchedule({ init: 1, steps: 0 }), /steps must be a positive number/);
  assert.throws(() => O.oneCycleSchedule({ steps: 10, peak: 1, pctStart: 1 }), /pctStart must be in \(0, 1\)/);
  assert.throws(() => v(all[0], -1), /step must be a finite number >= 0/);
  assert.throws(() => v({ schedule: "nope" } as never, 0), /unknown schedule "nope"/);
});
