/** The gradnav command, run as a child process the way a user runs it: outputs, files and exit codes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, gradnav, root, workDir } from "./cli.run.js";

const work = workDir("gradnav-cli-");

const noStack = (s: string) => assert.doesNotMatch(s, /^\s+at .*\(.*:\d+:\d+\)$/m, "no stack trace");

test("gradnav datasets lists the built-in datasets with rows, features, task and licence", async () => {
  const r = await gradnav("datasets", "--json");
  assert.equal(r.code, 0, r.stderr);
  const { datasets } = JSON.parse(r.stdout);
  const iris = datasets.find((d: { name: string }) => d.name === "iris");
  assert.deepEqual([iris.rows, iris.features, iris.task, iris.classes], [150, 4, "classification", 3]);
  assert.ok(datasets.every((d: { licence: string }) => d.licence.length > 0));
  const table = await gradnav("datasets");
  assert.match(table.stdout, /^name\s+rows\s+features\s+task\s+licence$/m);
  assert.match(table.stdout, /^mnist\s+20000\s+784\s+classification \(10\)/m);
});

test("a reader that closes the pipe early (gradnav ... | head) ends gradnav quietly, not with an EPIPE stack trace", async () => {
  const child = spawn(process.execPath, [cli, "datasets"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.destroy(); // closed before gradnav has started, so its first write meets a closed pipe
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  assert.doesNotMatch(stderr, /EPIPE|Unhandled/, stderr);
  assert.equal(code, 0);
});

test("train --json reports train/validation/test metrics and saves a checkpoint that eval and predict reproduce", async () => {
  const out = join(work, "iris");
  const r = await gradnav("train", "--data", "iris", "--model", "mlp:16", "--lr", "0.01", "--epochs", "15", "--batch-size", "16", "--seed", "1", "--out", out, "--json");
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.epochs, 15);
  assert.equal(report.status, "completed");
  for (const split of ["train", "validation", "test"]) assert.ok(report[split].accuracy >= 0 && report[split].accuracy <= 1 && Number.isFinite(report[split].loss), split);
  assert.ok(report.test.accuracy >= 0.8, `test accuracy ${report.test.accuracy}`);
  assert.match(r.stderr, /^epoch 15\/15  loss /m, "one progress line per epoch when stderr is not a terminal");
  for (const f of ["model.safetensors", "model.json", "optimizer.safetensors", "optimizer.json", "trace.json"]) assert.ok(existsSync(join(out, f)), f);
  const modelJson = JSON.parse(readFileSync(join(out, "model.json"), "utf8"));
  assert.equal(modelJson.dataset.name, "iris");
  assert.deepEqual(modelJson.dataset.classNames, ["setosa", "versicolor", "virginica"]);
  assert.equal(modelJson.preprocessor.format, "gradnav.preprocessor");
  assert.deepEqual(modelJson.metrics.final.test, report.test);

  const ev = await gradnav("eval", "--model", out, "--json");
  assert.equal(ev.code, 0, ev.stderr);
  const evReport = JSON.parse(ev.stdout);
  for (const split of ["train", "validation", "test"]) assert.deepEqual(evReport[split], report[split], `eval reproduces the ${split} metrics`);

  // predict: CSV in (the iris file, target column and all), CSV out, one row per input line.
  const pred = join(work, "iris-pred.csv");
  const p = await gradnav("predict", "--model", out, "--data", join(root, "datasets", "iris", "iris.csv"), "--out", pred);
  assert.equal(p.code, 0, p.stderr);
  const lines = readFileSync(pred, "utf8").trim().split("\n");
  assert.equal(lines[0], "line,prediction,prob_setosa,prob_versicolor,prob_virginica");
  assert.equal(lines.length, 151);
  const first = lines[1].split(",");
  assert.equal(first[0], "2");
  const probs = first.slice(2).map(Number);
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  // The predictions agree with the file's species on most rows.
  const species = readFileSync(join(root, "datasets", "iris", "iris.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").at(-1));
  const agree = lines.slice(1).filter((l, i) => l.split(",")[1] === species[i]).length;
  assert.ok(agree / 150 >= 0.8, `${agree}/150 predictions match`);
});

test("train --resume continues exactly: 2 epochs + 2 resumed = 4 epochs, byte for byte", async () => {
  const a = join(work, "resume-a");
  const b = join(work, "resume-b");
  const common = ["--data", "breast-cancer-wisconsin", "--model", "logreg", "--seed", "4", "--batch-size", "64", "--quiet", "--json"];
  const four = await gradnav("train", ...common, "--epochs", "4", "--out", a);
  assert.equal(four.code, 0, four.stderr);
  const two = await gradnav("train", ...common, "--epochs", "2", "--out", b);
  assert.equal(two.code, 0, two.stderr);
  const more = await gradnav("train", "--resume", b, "--epochs", "2", "--out", b, "--quiet", "--json");
  assert.equal(more.code, 0, more.stderr);
  assert.equal(JSON.parse(more.stdout).epochs, 4);
  const conflict = await gradnav("train", "--resume", b, "--lr", "0.5");
  assert.equal(conflict.code, 2);
  assert.match(conflict.stderr, /leave out --lr/);
  assert.deepEqual(readFileSync(join(b, "model.safetensors")), readFileSync(join(a, "model.safetensors")));
  assert.deepEqual(readFileSync(join(b, "optimizer.safetensors")), readFileSync(join(a, "optimizer.safetensors")));
  assert.deepEqual(JSON.parse(more.stdout).test, JSON.parse(four.stdout).test);
  assert.ok(JSON.parse(four.stdout).test.accuracy > 0.9);
});

test("usage errors exit with 2 and name what was wrong and what is valid", async () => {
  const ds = await gradnav("train", "--data", "irises", "--model", "logreg");
  assert.equal(ds.code, 2);
  assert.match(ds.stderr, /unknown dataset "irises"; the built-in datasets are: iris, wine/);
  const model = await gradnav("train", "--data", "iris", "--model", "transformer");
  assert.equal(model.code, 2);
  assert.match(model.stderr, /unknown model "transformer"; use logreg, mlp/);
  const opt = await gradnav("train", "--data", "iris", "--model", "logreg", "--optimizer", "adamax");
  assert.equal(opt.code, 2);
  assert.match(opt.stderr, /unknown optimizer "adamax"; known: sgd, adam/);
  const option = await gradnav("train", "--dataset", "iris");
  assert.equal(option.code, 2);
  assert.match(option.stderr, /unknown option '--dataset'/);
  const bad = await gradnav("train", "--data", "iris", "--model", "logreg", "--epochs", "-3");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--epochs <n>' argument '-3' is invalid\. expected an integer >= 0/);
  const specFile = join(work, "spec.json");
  writeFileSync(specFile, JSON.stringify({ type: "sequential", layers: [{ type: "linear", in: 4, out: 3 }] }));
  const spec = await gradnav("train", "--data", "breast-cancer-wisconsin", "--model", specFile, "--epochs", "1");
  assert.equal(spec.code, 2);
  assert.match(spec.stderr, /spec\.json does not fit this data's \[30\] features/);
  const none = await gradnav("frobnicate");
  assert.equal(none.code, 2);
  const empty = await gradnav();
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /Usage: gradnav/);
  for (const r of [ds, model, opt]) noStack(r.stderr);
});

test("data errors exit with 1 and say file, line and column, without a stack trace", async () => {
  const file = join(work, "broken.csv");
  writeFileSync(file, "a,b,label\n1,2,x\n3,oops,y\n4,5,x\n6,7,y\n8,9,x\n");
  const r = await gradnav("train", "--data", file, "--model", "logreg", "--target", "label");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /broken\.csv.*line 3.*column 2|broken\.csv:3:2/);
  noStack(r.stderr);
  const missing = await gradnav("train", "--data", join(work, "nope.csv"), "--model", "logreg");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.csv.*no such file/);
  const noModel = await gradnav("eval", "--model", join(work, "nothing-here"));
  assert.equal(noModel.code, 1);
  assert.match(noModel.stderr, /no checkpoint in .*nothing-here.*model\.json is missing/);
});

test("every command has --help, exiting 0", async () => {
  for (const cmd of ["train", "eval", "predict", "datasets", "demo"]) {
    const r = await gradnav(cmd, "--help");
    assert.equal(r.code, 0, cmd);
    assert.match(r.stdout, new RegExp(`Usage: gradnav ${cmd}`));
  }
  const top = await gradnav("--help");
  assert.equal(top.code, 0);
  assert.match(top.stdout, /Exit codes: 0 ok, 1 runtime error/);
});

test("demo trains on built-in data and prints what it learned", async () => {
  const r = await gradnav("demo", "--json");
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.ok(d.test.accuracy > 0.9, `demo test accuracy ${d.test.accuracy}`);
  assert.equal(d.topFeatures.length, 5);
  const text = await gradnav("demo", "--epochs", "5");
  assert.equal(text.code, 0);
  assert.match(text.stdout, /Test accuracy: \d+\.\d% on \d+ tumours/);
  assert.match(text.stdout, /What it learned/);
});
