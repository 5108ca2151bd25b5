/** `gradnav predict`: a saved model's predictions (and class probabilities) for each row of a CSV file. */
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { readCsvTable } from "../data/csv.js";
import { Preprocessor } from "../data/preprocess.js";
import { loadCheckpoint } from "../node/checkpoint.js";
import { predict, predictedClasses, probabilities } from "../train/evaluate.js";
import { EXIT, UsageError } from "./errors.js";
import type { Output } from "./output.js";

interface PredictOptions {
  model: string;
  data: string;
  out?: string;
  json?: boolean;
}

function cell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function runPredict(o: PredictOptions, out: Output): Promise<number> {
  const ckpt = loadCheckpoint(o.model);
  if (ckpt.preprocessor === null || ckpt.preprocessor === undefined) throw new UsageError(`${o.model} has no preprocessing saved, so it cannot read CSV files`);
  const prep = Preprocessor.fromJSON(ckpt.preprocessor);
  const spec = prep.toJSON();
  const table = prep.transformTable(readCsvTable(o.data));
  const output = predict(ckpt.model, ckpt.params, table.x, { state: ckpt.state });
  const lines = Array.from(table.lines);
  const header = ["line", "prediction"];
  const rows: (string | number)[][] = [];
  const records: Record<string, unknown>[] = [];
  if (ckpt.task === "classification") {
    const names = spec.classNames;
    header.push(...names.map((n) => `prob_${n}`));
    const probs = probabilities(output).toArray() as number[][];
    const cls = predictedClasses(output).toTypedArray();
    lines.forEach((line, i) => {
      rows.push([line, names[cls[i]], ...probs[i]]);
      records.push({ line, prediction: names[cls[i]], probabilities: Object.fromEntries(names.map((n, j) => [n, probs[i][j]])) });
    });
  } else {
    const values = prep.decodeTarget(output.reshape([output.shape[0], -1]).slice([0, 0], [output.shape[0], 1]).reshape([output.shape[0]])).toTypedArray();
    lines.forEach((line, i) => {
      rows.push([line, values[i]]);
      records.push({ line, prediction: values[i] });
    });
  }
  const csv = [header, ...rows].map((r) => r.map(cell).join(",")).join("\n") + "\n";
  if (o.out) {
    writeFileSync(o.out, csv);
    if (o.json) out.json({ command: "predict", model: o.model, data: o.data, rows: rows.length, out: o.out });
    else out.line(`wrote ${rows.length} predictions to ${o.out}`);
  } else if (o.json) out.json({ command: "predict", model: o.model, data: o.data, rows: rows.length, predictions: records });
  else process.stdout.write(csv);
  return EXIT.ok;
}

/** The `predict` command. @example program.addCommand(predictCommand(out, done)) */
export function predictCommand(out: Output, done: (code: number) => void): Command {
  return new Command("predict")
    .description("predict each row of a CSV file with a saved model (CSV in, CSV out: line, prediction, class probabilities)")
    .requiredOption("--model <folder>", "a checkpoint folder written by gradnav train --out")
    .requiredOption("--data <file.csv>", "rows to predict, with the columns the model was trained on (a target column is ignored)")
    .option("--out <file.csv>", "where to write the predictions (default: stdout)")
    .option("--json", "print JSON instead (a summary with --out, else every prediction)")
    .addHelpText("after", "\nExample:\n  gradnav predict --model runs/iris --data new_flowers.csv --out predictions.csv")
    .action(async (o: PredictOptions) => done(await runPredict(o, out)));
}
