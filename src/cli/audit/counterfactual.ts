/**
 * `gradnav audit counterfactual`: the smallest change to one row's features, in the data's own units,
 * that changes a saved classifier's decision (gn.audit.counterfactual over the feature space of the
 * saved preprocessor). Columns named by --immutable never change; numeric columns stay within the
 * range seen in the reference rows, and columns whose reference values are all whole numbers stay whole.
 */
import { Command, Option } from "commander";
import { counterfactual } from "../../analysis/counterfactual.js";
import { featureSpaceFromPreprocessor } from "../../analysis/feature-space.js";
import { probabilities } from "../../train/evaluate.js";
import { intArg } from "../args.js";
import { EXIT, UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { type ReportOptions, emitReport, fmt, round, table } from "./report.js";
import { type AuditModel, className, describeRow, loadAuditModel, requireClassifier, selectRows } from "./source.js";

interface CounterfactualOptions extends ReportOptions {
  model: string;
  data?: string;
  row: number;
  immutable?: string;
  targetClass?: string;
  steps: number;
}

/** Per numeric column of the preprocessor: the range of the reference rows in original units, and whether every value is whole. */
function referenceRanges(m: AuditModel, ref: { toTypedArray(): ArrayLike<number>; shape: readonly number[] }): Map<string, { min: number; max: number; whole: boolean }> {
  const v = ref.toTypedArray();
  const [n, f] = [ref.shape[0], ref.shape[1]];
  const out = new Map<string, { min: number; max: number; whole: boolean }>();
  let j = 0;
  for (const c of m.preprocessor.spec.columns) {
    if (c.kind === "categorical") {
      j += c.categories.length;
      continue;
    }
    if (c.kind === "numeric") {
      let [min, max, whole] = [Infinity, -Infinity, true];
      for (let i = 0; i < n; i++) {
        // Back to original units; rounding absorbs float32 noise of the affine map.
        const o = +(v[i * f + j] * c.scale + c.shift).toPrecision(6);
        min = Math.min(min, o);
        max = Math.max(max, o);
        whole &&= Number.isInteger(o);
      }
      if (n > 0) out.set(c.name, { min, max, whole: whole && max - min >= 2 });
    }
    j += c.indicator ? 2 : 1;
  }
  return out;
}

/** The class index a --target-class names (a class name or value). */
function targetClassIndex(m: AuditModel, name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  const spec = m.preprocessor.spec;
  let k = spec.classNames.indexOf(name);
  if (k < 0) k = spec.classes.indexOf(name);
  if (k < 0) throw new UsageError(`--target-class "${name}" is not a class of this model; its classes are ${spec.classNames.join(", ")}`);
  return k;
}

async function runCounterfactual(o: CounterfactualOptions, out: Output): Promise<number> {
  const t0 = Date.now();
  const m = loadAuditModel(o.model);
  requireClassifier(m, "audit counterfactual");
  if (m.imageShape) throw new UsageError(`audit counterfactual works on tabular models; the model in ${o.model} reads ${m.imageShape.join("x")} images (see audit robustness --png-dir for the smallest changes that flip an image)`);
  const spec = m.preprocessor.spec;
  const names = spec.columns.map((c) => c.name);
  const immutable = (o.immutable ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknown = immutable.filter((c) => !names.includes(c));
  if (unknown.length) throw new UsageError(`--immutable names ${unknown.map((c) => `"${c}"`).join(", ")}, not a column of this model; its columns are: ${names.join(", ")}`);
  const target = targetClassIndex(m, o.targetClass);
  const r = selectRows(m, { data: o.data, row: o.row });

  const ref = referenceRanges(m, r.reference());
  const row = r.x.toTypedArray();
  const ranges: Record<string, [number, number]> = {};
  const integer: string[] = [];
  let j = 0;
  for (const c of spec.columns) {
    if (c.kind === "categorical") {
      j += c.categories.length;
      continue;
    }
    const rr = ref.get(c.name);
    if (rr) {
      // The row itself is always within its own range (a new file's row may lie outside the reference).
      const own = row[j] * c.scale + c.shift;
      ranges[c.name] = [Math.min(rr.min, own), Math.max(rr.max, own)];
      if (rr.whole) integer.push(c.name);
    }
    j += c.indicator ? 2 : 1;
  }
  const space = featureSpaceFromPreprocessor(spec, { immutable, integer, ranges });
  if (target !== undefined) {
    const before = m.model(r.x);
    if (probabilities(before).argmax(1).toTypedArray()[0] === target) throw new UsageError(`the model already predicts ${className(m, target)} for ${describeRow(r, 0)}; choose another --target-class`);
  }
  const res = counterfactual(m.model, r.x, space, { targetClass: target, steps: o.steps });
  const pBefore = probabilities(m.model(r.x)).toArray() as number[][];
  const pAfter = probabilities(m.model(res.x.reshape(r.x.shape))).toArray() as number[][];
  const scaleOf = new Map(spec.columns.map((c) => [c.name, c.kind === "categorical" ? 1 : c.scale]));
  const seconds = (Date.now() - t0) / 1000;
  const flipped = res.found && res.after !== res.before;
  const report = {
    command: "audit counterfactual",
    model: o.model,
    data: r.name,
    row: r.ids[0],
    rowOf: r.idKind,
    split: r.split,
    label: r.y ? className(m, r.y.toTypedArray()[0]) : null,
    prediction: className(m, res.before),
    probability: round(pBefore[0][res.before]),
    targetClass: target === undefined ? null : className(m, target),
    flipped,
    newPrediction: className(m, res.after),
    newProbability: round(pAfter[0][res.after]),
    changes: res.changes.map((c) => ({ feature: c.name, from: round(c.from), to: round(c.to), delta: round(c.delta), deltaStd: round(c.delta / (scaleOf.get(c.name) ?? 1)) })),
    categoricalChanges: res.categoricalChanges,
    immutable,
    integer,
    ranges: "each numeric column stays within the range of the reference rows (the training split for the checkpoint's own data, else all rows read)",
    cost: round(res.cost),
    seconds: round(seconds),
  };
  emitReport(out, o, report, (line) => {
    line(`${describeRow(r, 0)}: predicted ${report.prediction} (p = ${fmt(report.probability, 3)})${report.label !== null ? `, true class ${report.label}` : ""}`);
    if (!flipped) {
      line(`no counterfactual found${immutable.length ? ` with ${immutable.join(", ")} fixed` : ""} within the features' ranges; try fewer --immutable columns`);
    } else {
      const n = report.changes.length + report.categoricalChanges.length;
      line(`changing ${n} feature${n === 1 ? "" : "s"} flips it to ${report.newPrediction} (p = ${fmt(report.newProbability, 3)}):`);
      line("");
      const rows = report.changes.map((c) => [c.feature, fmt(c.from), fmt(c.to), `${c.delta >= 0 ? "+" : ""}${fmt(c.delta)}`, `${c.deltaStd >= 0 ? "+" : ""}${fmt(c.deltaStd, 3)}`]);
      for (const c of report.categoricalChanges) rows.push([c.group, c.from, c.to, "", ""]);
      for (const l of table([["feature", "from", "to", "change", "in std devs"], ...rows])) line("  " + l);
    }
    if (immutable.length) line(`kept fixed: ${immutable.join(", ")}`);
    line("");
    line(`took ${seconds.toFixed(2)}s`);
  });
  return EXIT.ok;
}

/** The `audit counterfactual` subcommand. */
export function counterfactualCommand(out: Output, done: (code: number) => void): Command {
  return new Command("counterfactual")
    .description("the smallest change to one row (in the data's units) that changes a saved classifier's decision")
    .requiredOption("--model <folder>", "a checkpoint folder written by gradnav train --out")
    .option("--data <name|file.csv>", "a built-in dataset or a CSV file with the model's columns (default: the checkpoint's own data)")
    .requiredOption("--row <n>", "the row: its 0-based index in the dataset (for a CSV file, its n-th data row)", intArg(0))
    .option("--immutable <columns>", "comma-separated columns that must not change (e.g. age,sex)")
    .addOption(new Option("--target-class <class>", "the decision to reach (default: any other class)"))
    .option("--steps <n>", "gradient steps per search round", intArg(1), 300)
    .option("--json", "print one JSON object to stdout")
    .option("--report <file.json>", "also write the JSON report to this file")
    .addHelpText("after", "\nExamples:\n  gradnav audit counterfactual --model runs/cancer --row 13\n  gradnav audit counterfactual --model runs/credit --row 5 --immutable age,sex --json")
    .action(async (o: CounterfactualOptions) => done(await runCounterfactual(o, out)));
}
