/** `gradnav eval`: the metrics of a saved model on its own data splits or on a labelled CSV file. */
import { Command, Option } from "commander";
import { readCsvTable } from "../data/csv.js";
import { Preprocessor } from "../data/preprocess.js";
import { loadCheckpoint } from "../node/checkpoint.js";
import { type Metrics, evaluate } from "../train/evaluate.js";
import { resolveLoss } from "../train/loss.js";
import { type DataSource, type SplitSpec, describeData, prepareSplits, readData } from "./data.js";
import { EXIT, UsageError } from "./errors.js";
import { type Output, printMetricsTable } from "./output.js";

interface EvalOptions {
  model: string;
  data?: string;
  split: "train" | "validation" | "test" | "all";
  json?: boolean;
}

async function runEval(o: EvalOptions, out: Output): Promise<number> {
  const ckpt = loadCheckpoint(o.model);
  const saved = ckpt.json.dataset as ReturnType<typeof describeData> | null;
  const loss = ckpt.loss === "custom" ? undefined : resolveLoss(ckpt.loss as never);
  const results: Record<string, Metrics> = {};
  let dataName: string;
  if (o.data === undefined || (saved && o.data === saved.name)) {
    if (!saved?.split) throw new UsageError(`${o.model} does not record the data it was trained on; pass a labelled CSV file with --data`);
    dataName = saved.name;
    const src: DataSource = { data: saved.name, target: saved.builtin ? undefined : saved.target, task: saved.csvTask };
    const data = prepareSplits(readData(src), saved.split as SplitSpec, ckpt.preprocessor);
    const wanted = o.split === "all" ? (["train", "validation", "test"] as const) : ([o.split] as const);
    for (const s of wanted) if (data[s].x.shape[0] > 0) results[s] = evaluate(ckpt.model, ckpt.params, data[s], { state: ckpt.state, loss });
  } else {
    if (ckpt.preprocessor === null || ckpt.preprocessor === undefined) throw new UsageError(`${o.model} has no preprocessing saved, so it cannot read CSV files`);
    if (o.split !== "all") throw new UsageError(`--split applies to the checkpoint's own data; a CSV file given with --data is evaluated whole`);
    dataName = o.data;
    const prep = Preprocessor.fromJSON(ckpt.preprocessor);
    const t = prep.transformTable(readCsvTable(o.data));
    if (t.y === null) throw new UsageError(`${o.data} has no target column "${prep.toJSON().target}" to evaluate against (use gradnav predict for unlabelled data)`);
    results.data = evaluate(ckpt.model, ckpt.params, { x: t.x, y: t.y }, { state: ckpt.state, loss });
  }
  if (o.json) out.json({ command: "eval", model: o.model, dataset: dataName, ...results });
  else printMetricsTable(out, results);
  return EXIT.ok;
}

/** The `eval` command. @example program.addCommand(evalCommand(out, done)) */
export function evalCommand(out: Output, done: (code: number) => void): Command {
  return new Command("eval")
    .description("metrics of a saved model on the splits it was trained with, or on a labelled CSV file")
    .requiredOption("--model <folder>", "a checkpoint folder written by gradnav train --out")
    .option("--data <name|file.csv>", "a labelled CSV file (default: the checkpoint's own dataset and split)")
    .addOption(new Option("--split <split>", "which split of the checkpoint's own data").choices(["train", "validation", "test", "all"]).default("all"))
    .option("--json", "print one JSON object to stdout")
    .addHelpText("after", "\nExample:\n  gradnav eval --model runs/cancer --split test --json")
    .action(async (o: EvalOptions) => done(await runEval(o, out)));
}
