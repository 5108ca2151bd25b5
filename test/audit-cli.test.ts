/**
 * gradnav audit sensitivity|robustness|counterfactual and train --adversarial, run as child processes
 * on small models trained inside the test: report fields, monotone robust accuracy from the clean
 * accuracy, counterfactuals that flip the saved model's own prediction and keep immutables, PNGs that
 * decode, and exit codes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { cli, gradnav, root, workDir } from "./cli.run.js";

const work = workDir("gradnav-audit-cli-");

async function json(...args: string[]): Promise<any> {
  const r = await gradnav(...args, "--json");
  assert.equal(r.code, 0, `gradnav ${args.join(" ")} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const noStack = (s: string) => assert.doesNotMatch(s, /^\s+at .*\(.*:\d+:\d+\)$/m, "no stack trace");

function nonIncreasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v <= values[i - 1]);
}

// One logistic regression on the breast-cancer data, shared by the tabular tests (a few seconds).
const cancer = join(work, "cancer");
const trained = gradnav("train", "--data", "breast-cancer-wisconsin", "--model", "logreg", "--epochs", "20", "--lr", "0.02", "--seed", "0", "--out", cancer, "--json", "--quiet").then((r) => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
});

test("audit sensitivity ranks the data's columns by mean |attribution| and explains one row with values in original units", async () => {
  await trained;
  const columns: string[] = JSON.parse(readFileSync(join(cancer, "model.json"), "utf8")).preprocessor.columns.map((c: { name: string }) => c.name);
  const g = await json("audit", "sensitivity", "--model", cancer);
  assert.equal(g.method, "ig");
  assert.equal(g.split, "test");
  assert.equal(g.ranking.length, 30);
  assert.deepEqual([...g.ranking.map((r: { feature: string }) => r.feature)].sort(), [...columns].sort(), "one entry per original column");
  assert.deepEqual(g.ranking.map((r: { rank: number }) => r.rank), Array.from({ length: 30 }, (_, i) => i + 1));
  assert.ok(nonIncreasing(g.ranking.map((r: { meanAbs: number }) => r.meanAbs)), "sorted by mean |attribution|");
  const shares = g.ranking.reduce((s: number, r: { share: number }) => s + r.share, 0);
  assert.ok(Math.abs(shares - 1) < 1e-4, `shares add up to 1, got ${shares}`);
  assert.equal(g.rows, g.rowsAvailable);
  for (const method of ["saliency", "gradxinput", "occlusion", "smoothgrad"]) {
    const other = await json("audit", "sensitivity", "--model", cancer, "--method", method, "--rows", "20");
    assert.equal(other.rows, 20);
    assert.equal(other.ranking.length, 30, method);
  }

  // One row: the attributions of integrated gradients add up to logit(row) - logit(training mean) (completeness).
  const r = await json("audit", "sensitivity", "--model", cancer, "--row", "0");
  assert.equal(r.row, 0);
  assert.equal(r.features.length, 30);
  assert.ok(["malignant", "benign"].includes(r.prediction));
  assert.ok(Math.abs(r.probabilities.malignant + r.probabilities.benign - 1) < 1e-5);
  const csvHeader = readFileSync(join(root, "datasets", "breast-cancer-wisconsin", "breast_cancer_wisconsin.csv"), "utf8").split("\n");
  const values = csvHeader[1].split(",");
  const radius = r.features.find((f: { feature: string }) => f.feature === "mean_radius");
  assert.ok(Math.abs(radius.value - Number(values[csvHeader[0].split(",").indexOf("mean_radius")])) < 1e-3, "values are reported in the file's units");
  const sum = r.features.reduce((s: number, f: { attribution: number }) => s + f.attribution, 0);
  assert.ok(Math.abs(sum - (r.output - r.baselineOutput)) < 1e-3 * Math.max(1, Math.abs(r.output)), `completeness: ${sum} vs ${r.output - r.baselineOutput}`);
  const text = await gradnav("audit", "sensitivity", "--model", cancer, "--top", "3");
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /rank\s+feature\s+mean \|attr\|\s+share/);
  assert.match(text.stdout, /\.\.\. 27 more/);
});

test("audit robustness: robust accuracy starts at the clean test accuracy and never increases; units and extra measures are reported", async () => {
  const t = await trained;
  const r = await json("audit", "robustness", "--model", cancer, "--eps", "0.3,0,0.1,1", "--deepfool-rows", "5", "--lipschitz-rows", "2");
  assert.deepEqual(r.robustAccuracy.map((p: { epsilon: number }) => p.epsilon), [0, 0.1, 0.3, 1]);
  assert.equal(r.cleanAccuracy, r.robustAccuracy[0].accuracy);
  assert.ok(Math.abs(r.cleanAccuracy - t.test.accuracy) < 1e-6, `clean ${r.cleanAccuracy} vs train's test accuracy ${t.test.accuracy}`);
  assert.ok(nonIncreasing(r.robustAccuracy.map((p: { accuracy: number }) => p.accuracy)));
  assert.ok(r.robustAccuracy[3].accuracy < r.cleanAccuracy, "a budget of one standard deviation per feature breaks some tumours");
  assert.match(r.epsilonUnit, /standard deviations/);
  assert.equal(r.epsilonScale.boundsModelUnits, null);
  assert.equal(r.deepfool.rows, 5);
  assert.ok(r.deepfool.medianL2 > 0);
  assert.equal(r.lipschitz.perUnit.length, 2);
  assert.ok(r.lipschitz.perUnit.every((l: number) => l > 0));
  const fgsm = await json("audit", "robustness", "--model", cancer, "--eps", "0,0.5", "--attack", "fgsm", "--norm", "l2", "--deepfool-rows", "0", "--lipschitz-rows", "0");
  assert.equal(fgsm.attack.name, "fgsm");
  assert.equal(fgsm.deepfool, null);
  assert.ok(nonIncreasing(fgsm.robustAccuracy.map((p: { accuracy: number }) => p.accuracy)));
});

test("audit counterfactual flips the saved model's prediction, keeps immutable columns, and gradnav predict agrees", async () => {
  await trained;
  const immutable = ["worst_area", "worst_radius", "mean_area"];
  const r = await json("audit", "counterfactual", "--model", cancer, "--row", "0", "--immutable", immutable.join(","));
  assert.equal(r.flipped, true);
  assert.notEqual(r.newPrediction, r.prediction);
  assert.ok(r.changes.length >= 1);
  for (const c of r.changes) assert.ok(!immutable.includes(c.feature), `${c.feature} is immutable but changed`);
  assert.deepEqual(r.immutable, immutable);
  // Write the counterfactual patient as a CSV row and ask the saved model.
  const lines = readFileSync(join(root, "datasets", "breast-cancer-wisconsin", "breast_cancer_wisconsin.csv"), "utf8").split("\n");
  const header = lines[0].split(",");
  const row = lines[1].split(",");
  for (const c of r.changes) {
    assert.ok(Math.abs(Number(row[header.indexOf(c.feature)]) - c.from) < 1e-3 * Math.max(1, Math.abs(c.from)), `${c.feature} starts from the file's value`);
    row[header.indexOf(c.feature)] = String(c.to);
  }
  const file = join(work, "counterfactual.csv");
  writeFileSync(file, `${lines[0]}\n${row.join(",")}\n`);
  const p = await json("predict", "--model", cancer, "--data", file);
  assert.equal(p.predictions[0].prediction, r.newPrediction);
  const text = await gradnav("audit", "counterfactual", "--model", cancer, "--row", "0");
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /changing \d+ features? flips it to/);
});

test("audit errors: an unknown folder is a runtime error (1); a row out of range, data without the model's columns or an unknown column are usage errors (2)", async () => {
  await trained;
  const none = await gradnav("audit", "sensitivity", "--model", join(work, "no-such-model"));
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no checkpoint in .*no-such-model/);
  noStack(none.stderr);
  const far = await gradnav("audit", "counterfactual", "--model", cancer, "--row", "569");
  assert.equal(far.code, 2);
  assert.match(far.stderr, /--row 569 is out of range: breast-cancer-wisconsin has 569 rows \(0\.\.568\)/);
  const other = await gradnav("audit", "robustness", "--model", cancer, "--data", "iris");
  assert.equal(other.code, 2);
  assert.match(other.stderr, /"iris" lacks 30 of them/);
  const col = await gradnav("audit", "counterfactual", "--model", cancer, "--row", "0", "--immutable", "age");
  assert.equal(col.code, 2);
  assert.match(col.stderr, /--immutable names "age", not a column of this model; its columns are: mean_radius/);
  const csv = join(work, "few-columns.csv");
  writeFileSync(csv, "mean_radius,target\n12,1\n");
  const bad = await gradnav("audit", "sensitivity", "--model", cancer, "--data", csv);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /missing feature columns .*mean_texture/);
  noStack(bad.stderr);
  const split = await gradnav("audit", "sensitivity", "--model", cancer, "--data", csv, "--split", "train");
  assert.equal(split.code, 2);
  const eps = await gradnav("audit", "robustness", "--model", cancer, "--eps", "0,-1");
  assert.equal(eps.code, 2);
  assert.match(eps.stderr, /expected a comma-separated list of numbers >= 0/);
  const bare = await gradnav("audit");
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /sensitivity.*\n(.*\n)*.*robustness/);
  const advAlone = await gradnav("train", "--data", "iris", "--model", "logreg", "--adv-eps", "0.1");
  assert.equal(advAlone.code, 2);
  assert.match(advAlone.stderr, /add --adversarial pgd/);
});

test("image models: saliency and adversarial PNGs that decode, robust accuracy in pixel-range units", async () => {
  const digits = join(work, "digits");
  const t = await json("train", "--data", "digits-8x8", "--model", "cnn", "--epochs", "2", "--lr", "0.01", "--seed", "0", "--out", digits, "--quiet");
  assert.ok(t.test.accuracy > 0.5, `digits CNN test accuracy ${t.test.accuracy}`);
  const pngs = join(work, "png");
  const s = await json("audit", "sensitivity", "--model", digits, "--rows", "40", "--png-dir", pngs);
  assert.equal(s.method, "saliency");
  assert.deepEqual(s.imageShape, [8, 8]);
  const examples = s.files.filter((f: { row?: number }) => f.row !== undefined);
  assert.ok(examples.length >= 5, `${examples.length} per-class examples in 40 rows`);
  for (const f of s.files) {
    assert.ok(existsSync(f.file), f.file);
    const png = PNG.sync.read(readFileSync(f.file));
    assert.ok(png.width > 0 && png.height > 0);
  }
  // A strip is image | map | map over image: three 8x8 pictures upscaled 14 times, two 4-pixel gaps.
  const strip = PNG.sync.read(readFileSync(examples[0].file));
  assert.deepEqual([strip.width, strip.height], [3 * 8 * 14 + 2 * 4, 8 * 14]);

  const r = await json("audit", "robustness", "--model", digits, "--rows", "40", "--eps", "0,0.1,0.3", "--steps", "5", "--deepfool-rows", "3", "--lipschitz-rows", "2", "--png-dir", pngs);
  assert.match(r.epsilonUnit, /fraction of the pixel range \[0, 16\]/);
  assert.equal(r.epsilonScale.kind, "pixel-range");
  assert.ok(nonIncreasing(r.robustAccuracy.map((p: { accuracy: number }) => p.accuracy)));
  const adv = r.files.filter((f: { row?: number }) => f.row !== undefined);
  assert.ok(adv.length >= 5);
  for (const f of r.files) {
    const png = PNG.sync.read(readFileSync(f.file));
    assert.ok(png.width > 0 && png.height > 0, f.file);
  }
  // The attacked image stays a valid image: its pixels (middle column of the strip) are grey levels.
  const a = PNG.sync.read(readFileSync(adv[0].file));
  const x = 8 * 14 + 4 + 3;
  const p = (7 * a.width + x) * 4;
  assert.equal(a.data[p], a.data[p + 1]);
  assert.equal(a.data[p + 1], a.data[p + 2]);
  const cf = await gradnav("audit", "counterfactual", "--model", digits, "--row", "0");
  assert.equal(cf.code, 2);
  assert.match(cf.stderr, /works on tabular models/);
});

test("train --adversarial pgd records the attack and raises robust accuracy at its budget", async () => {
  const before = await trained;
  const robust = join(work, "cancer-robust");
  const t = await json("train", "--data", "breast-cancer-wisconsin", "--model", "logreg", "--epochs", "20", "--lr", "0.02", "--seed", "0", "--adversarial", "pgd", "--adv-eps", "0.5", "--adv-steps", "3", "--out", robust, "--quiet");
  assert.deepEqual({ ...t.adversarial, unit: undefined }, { attack: "pgd", epsilon: 0.5, steps: 3, unit: undefined });
  assert.deepEqual(JSON.parse(readFileSync(join(robust, "model.json"), "utf8")).config.adversarial, t.adversarial);
  assert.ok(t.test.accuracy > 0.8, `adversarially trained test accuracy ${t.test.accuracy}`);
  const plain = await json("audit", "robustness", "--model", cancer, "--eps", "0,0.5", "--deepfool-rows", "0", "--lipschitz-rows", "0");
  const hard = await json("audit", "robustness", "--model", robust, "--eps", "0,0.5", "--deepfool-rows", "0", "--lipschitz-rows", "0");
  assert.ok(hard.robustAccuracy[1].accuracy > plain.robustAccuracy[1].accuracy, `robust accuracy at 0.5: ${hard.robustAccuracy[1].accuracy} (adversarial) vs ${plain.robustAccuracy[1].accuracy}`);
  assert.equal(before.adversarial, null);
  // --resume keeps training adversarially and refuses to change the attack.
  const more = await gradnav("train", "--resume", robust, "--epochs", "1", "--adv-eps", "0.2");
  assert.equal(more.code, 2);
  assert.match(more.stderr, /leave out --adv-eps/);
});
