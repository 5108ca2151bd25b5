/** `gradnav audit fairness|influence` and `gradnav train --constraint`, run as a user runs them (German credit and a CSV). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gradnav, workDir } from "./cli.run.js";

const work = workDir("gradnav-fair-");

test("audit fairness on German credit: groups per column and their intersection, JSON and a report file", async () => {
  const file = join(work, "fair.json");
  const r = await gradnav("audit", "fairness", "--data", "german-credit", "--test", "0.3", "--bins", "age=25,65", "--bootstrap", "20", "--json", "--out", file);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.deepEqual(rep.groupings.map((g: { attribute: string }) => g.attribute), ["sex", "age", "foreign_worker", "sex & age & foreign_worker"]);
  assert.deepEqual(rep.groupings[1].groups.map((g: { group: string }) => g.group), ["<25", "[25, 65)", ">=65"]);
  assert.equal(rep.rows, 300);
  const sex = rep.groupings[0];
  const sel = sex.groups.map((g: { selectionRate: number }) => g.selectionRate);
  assert.ok(Math.abs(sex.summary.demographicParityDifference - (Math.max(...sel) - Math.min(...sel))) < 1e-12);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")).groupings[0].summary, sex.summary);
  const text = await gradnav("audit", "fairness", "--data", "german-credit", "--sensitive", "sex", "--bootstrap", "0");
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /By sex \(test/);
  assert.match(text.stdout, /demographic-parity difference\s+\d\.\d{3}/);
});

test("audit influence: cells, rows, self-influence and a verified reweighting; TracIn over saved epochs", async () => {
  const r = await gradnav("audit", "influence", "--data", "german-credit", "--test", "0.3", "--attribute", "sex", "--top", "3", "--json");
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.widening.length, 3);
  assert.equal(rep.groups.length, 4);
  assert.ok(Math.abs(rep.reweighting.actual - rep.reweighting.predicted) < 0.25 * Math.abs(rep.reweighting.before - rep.reweighting.predicted));
  const run = join(work, "run");
  const t = await gradnav("train", "--data", "german-credit", "--model", "logreg", "--epochs", "3", "--lr", "0.01", "--save-every-epoch", "--out", run, "--quiet");
  assert.equal(t.code, 0, t.stderr);
  const tr = await gradnav("audit", "influence", "--model", run, "--attribute", "sex", "--tracin", run, "--top", "3", "--json", "--no-verify");
  assert.equal(tr.code, 0, tr.stderr);
  const rt = JSON.parse(tr.stdout);
  assert.equal(rt.tracin.checkpoints.length, 3);
  assert.equal(rt.tracin.groups.length, 4);
  assert.ok(rt.refinedFromCheckpoint.iterations >= 1);
  // TracIn and the influence at the optimum agree on which way each group-and-label cell pushes the gap.
  for (const c of rt.groups) {
    const t2 = rt.tracin.groups.find((g: { group: string }) => g.group === c.group);
    assert.equal(Math.sign(t2.sum), Math.sign(c.sum), `cell ${c.group}: TracIn ${t2.sum} vs influence ${c.sum}`);
  }
  // --model is the folder option of every command; --checkpoint, its former name here, still works.
  const old = await gradnav("audit", "fairness", "--checkpoint", run, "--sensitive", "sex", "--bootstrap", "0", "--json");
  assert.equal(old.code, 0, old.stderr);
  assert.equal(JSON.parse(old.stdout).checkpoint, run);
  const both = await gradnav("audit", "fairness", "--model", run, "--checkpoint", join(work, "other"), "--bootstrap", "0");
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--checkpoint is the former name of --model/);
});

test("train --constraint meets the bound on the training rows and saves a checkpoint, trace and fairness metrics", async () => {
  const out = join(work, "dp");
  const r = await gradnav("train", "--data", "german-credit", "--model", "logreg", "--constraint", "demographic_parity<=0.03", "--sensitive", "sex", "--batch-size", "128", "--epochs", "20", "--out", out, "--json", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.ok(rep.train.demographicParityDifference <= 0.03 + 0.01, `train gap ${rep.train.demographicParityDifference}`);
  for (const f of ["model.json", "model.safetensors", "trace.json", "fairness.json"]) assert.ok(existsSync(join(out, f)), f);
  const trace = JSON.parse(readFileSync(join(out, "trace.json"), "utf8"));
  assert.equal(trace.steps.length, 100);
  assert.equal(trace.steps[50].multipliers.length, 2);
  const ev = await gradnav("eval", "--model", out, "--json");
  assert.equal(ev.code, 0, ev.stderr);
  assert.ok(Math.abs(JSON.parse(ev.stdout).train.accuracy - rep.train.accuracy) < 1e-6);
  const bad = await gradnav("train", "--data", "german-credit", "--model", "logreg", "--constraint", "parity<=0.1");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown constraint "parity"/);
  const alone = await gradnav("train", "--data", "german-credit", "--model", "logreg", "--sensitive", "sex");
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--sensitive apply only with --constraint/);
});

test("train --sweep on a CSV: the front as JSON and an SVG with every point", async () => {
  // A CSV with a built-in gap: group b's rows sit lower on the feature that drives the label.
  const lines = ["x1,x2,group,label"];
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 400; i++) {
    const g = rnd() < 0.4 ? "b" : "a";
    const x1 = rnd() * 2 - 1 + (g === "b" ? -0.5 : 0.3);
    const x2 = rnd() * 2 - 1;
    const label = rnd() < 1 / (1 + Math.exp(-(2 * x1 - x2))) ? "yes" : "no";
    lines.push(`${x1.toFixed(4)},${x2.toFixed(4)},${g},${label}`);
  }
  const csv = join(work, "people.csv");
  writeFileSync(csv, lines.join("\n") + "\n");
  const out = join(work, "front");
  const r = await gradnav("train", "--data", csv, "--model", "logreg", "--constraint", "dp<=0.1", "--sensitive", "group", "--sweep", "0.1,0.05", "--batch-size", "100", "--epochs", "50", "--out", out, "--json", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  const front = JSON.parse(readFileSync(join(out, "front.json"), "utf8"));
  assert.deepEqual(front.points.map((p: { bound: number | null }) => p.bound), [null, 0.1, 0.05]);
  assert.ok(front.points[2].train.demographicParityDifference < front.points[0].train.demographicParityDifference);
  const svg = readFileSync(join(out, "front.svg"), "utf8");
  assert.equal((svg.match(/<circle class="train"/g) ?? []).length, 3);
  assert.equal((svg.match(/<circle class="test"/g) ?? []).length, 3);
});
