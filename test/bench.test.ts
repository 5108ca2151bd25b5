/**
 * The bench runner's output shape, on toy sizes and gradnav only (no peers, no timing assertions:
 * speed is what `npm run bench` reports, not what tests check).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { listBackends } from "../src/index.js";
import { allCases, selectCases } from "../bench/cases.js";
import { stats } from "../bench/harness.js";
import { formatTable } from "../bench/report.js";
import { runBench } from "../bench/run.js";

test("bench: tiny gradnav-only run reports every case on every backend with a well-formed result", async () => {
  const report = await runBench({ scale: "tiny", peers: ["none"], timing: { passes: 2, minPassMs: 0, maxCaseMs: 20 } });
  const roundTrip = JSON.parse(JSON.stringify(report)) as typeof report;
  assert.equal(roundTrip.schema, "gradnav-bench/1");
  assert.equal(roundTrip.scale, "tiny");
  assert.equal(roundTrip.baseline, null);
  assert.deepEqual(roundTrip.skipped, []);
  assert.deepEqual(roundTrip.engines.map((e) => e.id), listBackends().map((b) => `gradnav/${b}`));
  const cases = allCases("tiny");
  assert.equal(roundTrip.results.length, cases.length * listBackends().length);
  for (const c of cases)
    for (const b of listBackends()) {
      const r = roundTrip.results.find((x) => x.case === c.id && x.engine === `gradnav/${b}`);
      assert.ok(r, `no result for ${c.id} on ${b}`);
      assert.equal(r.unit, c.unit);
      assert.equal(r.workload, c.workload);
      assert.equal(r.status, "ok", `${c.id} on ${b}: ${r.status} (${r.note})`);
      assert.ok(r.passSeconds!.length >= 1 && r.iters! >= 1, `${c.id}: passes ${r.passSeconds} x ${r.iters}`);
      for (const s of r.passSeconds!) assert.ok(Number.isFinite(s) && s > 0, `${c.id}: pass time ${s}`);
      const sec = r.seconds!;
      assert.ok(sec.min <= sec.q1 && sec.q1 <= sec.median && sec.median <= sec.q3 && sec.q3 <= sec.max, `${c.id}: ${JSON.stringify(sec)}`);
      assert.ok(Number.isFinite(r.value!) && r.value! > 0, `${c.id}: value ${r.value}`);
      assert.equal(r.range!.length, 2);
      assert.equal(r.ratio, undefined);
    }
  const table = formatTable(report.results, report.baseline);
  for (const c of cases) assert.ok(table.includes(c.id), `table lacks ${c.id}`);
});

test("bench: --only selects cases by id prefix, case-insensitively", () => {
  const cases = allCases("full");
  assert.deepEqual(selectCases(cases, "w1").map((c) => c.id), ["W1.matmul256", "W1.matmul512", "W1.matmul1024", "W1.mlpXW", "W1.mlpXtG", "W1.mlpGWt", "W1.conv2"]);
  assert.deepEqual(selectCases(cases, "W5.add,W4").map((c) => c.id), ["W4.hvpLogreg", "W5.add100"]);
  assert.equal(selectCases(cases, undefined).length, cases.length);
  assert.equal(selectCases(cases, "nothing").length, 0);
});

test("bench: stats gives the median and interpolated quartiles", () => {
  assert.deepEqual(stats([4, 1, 3, 2, 5]), { median: 3, min: 1, max: 5, q1: 2, q3: 4 });
  assert.deepEqual(stats([2, 1]), { median: 1.5, min: 1, max: 2, q1: 1.25, q3: 1.75 });
  assert.throws(() => stats([]), /no samples/);
});

test("bench: unknown --only and unknown peers are errors that name the choices", async () => {
  await assert.rejects(runBench({ scale: "tiny", peers: ["none"], only: "W9" }), /--only W9: no case matches/);
  await assert.rejects(runBench({ scale: "tiny", peers: ["nopeer"], only: "W5" }), /unknown peer\(s\) nopeer/);
});

test("bench --profile: per-iteration breakdown of a case by primitive, on each chosen backend", async () => {
  const { profileBench } = await import("../bench/profile.js");
  const lines: string[] = [];
  await profileBench({ scale: "tiny", only: "W2.mlpAdam", backends: ["reference"], iters: 2, top: 3, say: (l) => lines.push(l) });
  const text = lines.join("\n");
  assert.match(text, /W2\.mlpAdam on gradnav\/reference: [\d.]+ ms per iteration, [\d.]+ in kernels, [\d.]+ engine and JS; \d+ primitive calls/);
  const rows = lines.filter((l) => /^\s+[\d.]+\s+[\d.]+%\s+\d+\s+\w+ \[/.test(l));
  assert.equal(rows.length, 3, text);
  assert.match(text, /more rows \(--top N\)/);
});
