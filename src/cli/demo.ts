/** `gradnav demo` (what `npm start` runs): trains a logistic regression on built-in data and shows what it learned. */
import { Command } from "commander";
import { loadDataset } from "../data/datasets.js";
import { prepare } from "../data/prepare.js";
import { evaluate } from "../train/evaluate.js";
import { fit } from "../train/fit.js";
import { progressReporter } from "../node/progress.js";
import { EXIT } from "./errors.js";
import { modelFor } from "./model.js";
import type { Output } from "./output.js";

async function runDemo(o: { json?: boolean; epochs: number }, out: Output): Promise<number> {
  const name = "breast-cancer-wisconsin";
  const ds = loadDataset(name);
  const data = prepare(ds, { seed: 0, validation: 0.15, test: 0.25 });
  const features = data.train.x.shape[1];
  const model = modelFor("logreg", features, "classification", ds.classes.length);
  if (!o.json) out.line(`Training a logistic regression on ${name}: ${ds.rows} tumours, ${features} measurements each, ${ds.classNames.join(" or ")}.`);
  const r = await fit(model, data.train, { validation: data.validation, epochs: o.epochs, batchSize: 32, seed: 0, optimizer: { name: "adam", options: { lr: 1e-2 } }, onProgress: o.json || !process.stderr.isTTY ? undefined : progressReporter(process.stderr) });
  const test = evaluate(model, r.params, data.test, { loss: r.loss });
  // One logit: a positive weight pushes towards class 1, a negative one towards class 0.
  const w = Array.from(((r.params as Record<string, Record<string, { toTypedArray(): ArrayLike<number> }>>)["0"].w).toTypedArray());
  const names = data.preprocessor.featureNames;
  const ranked = names.map((n, i) => ({ feature: n, weight: w[i] })).sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  const top = ranked.slice(0, 5);
  if (o.json) {
    out.json({ command: "demo", dataset: name, model: "logreg", epochs: o.epochs, test, topFeatures: top, classes: ds.classNames });
    return EXIT.ok;
  }
  out.line("");
  out.line(`Test accuracy: ${(100 * test.accuracy!).toFixed(1)}% on ${data.test.x.shape[0]} tumours it never saw (loss ${test.loss.toFixed(3)}).`);
  out.line(`What it learned (weights on standardised measurements; + points to ${ds.classNames[1]}, - to ${ds.classNames[0]}):`);
  for (const t of top) out.line(`  ${t.weight >= 0 ? "+" : "-"}${Math.abs(t.weight).toFixed(2)}  ${t.feature}  (larger values suggest ${t.weight >= 0 ? ds.classNames[1] : ds.classNames[0]})`);
  out.line("");
  out.line("Next: gradnav datasets | gradnav train --data digits-8x8 --model mlp:64 --epochs 20 --out runs/digits | gradnav --help");
  return EXIT.ok;
}

/** The `demo` command. @example program.addCommand(demoCommand(out, done)) */
export function demoCommand(out: Output, done: (code: number) => void): Command {
  return new Command("demo")
    .description("train a logistic regression on the breast-cancer data and print what it learned")
    .option("--epochs <n>", "epochs", (v) => Number(v), 30)
    .option("--json", "print one JSON object to stdout")
    .action(async (o: { json?: boolean; epochs: number }) => done(await runDemo(o, out)));
}
