/**
 * `gradnav audit sensitivity`: which features drive a saved model's decisions. For tabular models, a
 * global ranking of the data's columns (one-hot blocks and missing-value indicators folded into the
 * column they encode) by mean |attribution|, or one row's attributions with its values in original
 * units; for image models, saliency maps as PNG files.
 */
import { join } from "node:path";
import { Command, Option } from "commander";
import {
  featureAblation,
  gradientTimesInput,
  integratedGradients,
  occlusion,
  saliency,
  smoothGrad,
} from "../../analysis/attribution.js";
import { heatmapRGBA } from "../../analysis/heatmap.js";
import { predict as decide } from "../../analysis/model.js";
import type { Tensor } from "../../core/tensor.js";
import { fullLike, tensor } from "../../ops/creation.js";
import { concat } from "../../ops/shape.js";
import { key as makeKey } from "../../random/index.js";
import { probabilities } from "../../train/evaluate.js";
import { intArg, seedArg } from "../args.js";
import { EXIT, UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { grayImage, joinImages, panelGrid, writePng } from "./images.js";
import { type ReportOptions, emitReport, fmt, round, table } from "./report.js";
import { type AuditModel, type AuditRows, className, describeRow, loadAuditModel, selectRows } from "./source.js";

/** The attribution methods the command offers. */
export const SENSITIVITY_METHODS = ["saliency", "ig", "gradxinput", "smoothgrad", "occlusion"] as const;
type Method = (typeof SENSITIVITY_METHODS)[number];

interface SensitivityOptions extends ReportOptions {
  model: string;
  data?: string;
  split: "train" | "validation" | "test" | "all";
  rows?: number;
  row?: number;
  method?: Method;
  steps?: number;
  top: number;
  pngDir?: string;
  perClass: number;
  seed: number;
}

const METHOD_NAMES: Record<Method, string> = {
  saliency: "saliency (gradient of the explained output)",
  ig: "integrated gradients",
  gradxinput: "gradient x input",
  smoothgrad: "SmoothGrad",
  occlusion: "occlusion (derivative-free)",
};

/** Attributions of rows x [N, F] by `method`, in chunks of rows so image batches stay small. */
function attribute(m: AuditModel, x: Tensor, method: Method, o: { steps?: number; seed: number; baseline: number }): Tensor {
  const chunk = m.imageShape ? 32 : 256;
  const parts: Tensor[] = [];
  for (let s = 0; s < x.shape[0]; s += chunk) {
    const xb = x.slice([s], [Math.min(s + chunk, x.shape[0])]);
    parts.push(attributeChunk(m, xb, method, o, s));
  }
  return parts.length === 1 ? parts[0] : concat(parts, 0);
}

function attributeChunk(m: AuditModel, x: Tensor, method: Method, o: { steps?: number; seed: number; baseline: number }, offset: number): Tensor {
  const model = m.model;
  switch (method) {
    case "saliency":
      return saliency(model, x);
    case "gradxinput":
      return gradientTimesInput(model, x);
    case "ig":
      return integratedGradients(model, x, { steps: o.steps ?? 32, baseline: o.baseline }).attributions;
    case "smoothgrad":
      return smoothGrad(model, x, { key: makeKey(o.seed + offset), samples: o.steps ?? 25 });
    case "occlusion": {
      if (!m.imageShape) return featureAblation(model, x, { baseline: o.baseline });
      const [h, w] = m.imageShape;
      const win = Math.max(2, Math.round(h / 7));
      return occlusion(model, x.reshape([x.shape[0], h, w]), { window: [win, win], baseline: o.baseline }).reshape(x.shape);
    }
  }
}

/** The data's columns as groups of model columns: a numeric column (and its missing indicator), or a one-hot block. */
function columnGroups(m: AuditModel): { name: string; columns: number[] }[] {
  const groups: { name: string; columns: number[] }[] = [];
  let j = 0;
  for (const c of m.preprocessor.spec.columns) {
    if (c.kind === "categorical") {
      groups.push({ name: c.name, columns: c.categories.map((_, k) => j + k) });
      j += c.categories.length;
    } else {
      groups.push({ name: c.name, columns: c.indicator ? [j, j + 1] : [j] });
      j += c.indicator ? 2 : 1;
    }
  }
  return groups;
}

/** A row's value of each data column in original units (categorical: the category name). */
function originalValues(m: AuditModel, row: ArrayLike<number>): (number | string)[] {
  const out: (number | string)[] = [];
  let j = 0;
  for (const c of m.preprocessor.spec.columns) {
    if (c.kind === "categorical") {
      let best = -1;
      for (let k = 0; k < c.categories.length; k++) if (row[j + k] > 0.5 && (best < 0 || row[j + k] > row[j + best])) best = k;
      out.push(best < 0 ? "(unknown category)" : c.categories[best]);
      j += c.categories.length;
    } else {
      out.push(round(row[j] * c.scale + c.shift));
      j += c.indicator ? 2 : 1;
    }
  }
  return out;
}

/** What the explained output is, in words. */
function explained(m: AuditModel): string {
  const out = m.checkpoint.model.outputShape(m.checkpoint.inputShape);
  const single = out.length === 0 || out[out.length - 1] === 1;
  if (m.task === "regression") return "the predicted value (model units); positive attributions raise it";
  if (single) return `the logit of class "${m.classNames[1]}" (positive attributions push towards ${m.classNames[1]}, negative towards ${m.classNames[0]})`;
  return "the logit of each row's predicted class (positive attributions support the prediction)";
}

/** The explained output (see `explained`) of one row x [1, F] for class `cls`, and of the baseline row. */
function explainedOutputs(m: AuditModel, x: Tensor, cls: number, baseline: number): { output: number; baselineOutput: number } {
  const pick = (v: Tensor) => {
    const a = v.toTypedArray();
    return a.length === 1 ? a[0] : a[Math.max(cls, 0)];
  };
  return { output: pick(m.model(x)), baselineOutput: pick(m.model(fullLike(x, baseline))) };
}

/** Predictions and class probabilities of rows, for reports. */
function predictionsOf(m: AuditModel, x: Tensor): { predicted: Int32Array; probs: number[][] | null } {
  const predicted = decide(m.model, x);
  if (m.task !== "classification") return { predicted, probs: null };
  return { predicted, probs: probabilities(m.model(x)).toArray() as number[][] };
}

function pickExamples(m: AuditModel, r: AuditRows, perClass: number, predicted: Int32Array): number[] {
  if (m.task !== "classification") return Array.from({ length: Math.min(perClass, r.x.shape[0]) }, (_, i) => i);
  const labels = r.y ? Array.from(r.y.toTypedArray()) : Array.from(predicted);
  const picks: number[] = [];
  for (let c = 0; c < m.classNames.length; c++) {
    let n = 0;
    for (let i = 0; i < labels.length && n < perClass; i++) if (labels[i] === c) (picks.push(i), n++);
  }
  return picks;
}

async function runSensitivity(o: SensitivityOptions, out: Output, splitGiven: boolean): Promise<number> {
  const t0 = Date.now();
  const m = loadAuditModel(o.model);
  const image = m.imageShape !== null;
  const method: Method = o.method ?? (image ? "saliency" : "ig");
  if (o.pngDir && !image) throw new UsageError(`--png-dir writes saliency maps of image models; the model in ${o.model} reads tabular data (its report is the feature ranking)`);
  const rows = o.rows ?? (image ? 100 : 1000);
  const r = selectRows(m, { data: o.data, split: o.split, splitGiven, rows, row: o.row });
  // Integrated gradients and occlusion start from "nothing": the training mean (0 after standardising) for tabular data, black for images.
  const baseline = image && r.units.bounds ? r.units.bounds[0] : 0;
  const { predicted, probs } = predictionsOf(m, r.x);
  const attr = attribute(m, r.x, method, { steps: o.steps, seed: o.seed, baseline });
  const n = r.x.shape[0];
  const a = attr.toTypedArray();
  const f = attr.size / Math.max(n, 1);
  const seconds = (Date.now() - t0) / 1000;
  const base = {
    command: "audit sensitivity",
    model: o.model,
    data: r.name,
    split: r.split,
    method,
    explained: explained(m),
    units: method === "saliency" || method === "smoothgrad" ? "change of the explained output per model-input unit (per standard deviation for standardised features)" : "contribution to the explained output (its units), relative to the baseline",
    baseline: image ? "a black image" : "the training mean of every feature (0 after standardising)",
  };

  if (!image) {
    const groups = columnGroups(m);
    // Per row, a column's attribution is the sum over its model columns (a one-hot block's entries add up).
    const per = groups.map((g) => Array.from({ length: n }, (_, i) => g.columns.reduce((s, j) => s + a[i * f + j], 0)));
    if (o.row !== undefined) {
      const values = originalValues(m, r.x.toTypedArray());
      const features = groups.map((g, k) => ({ feature: g.name, value: values[k], attribution: round(per[k][0]) })).sort((p, q) => Math.abs(q.attribution) - Math.abs(p.attribution));
      const { output, baselineOutput } = explainedOutputs(m, r.x, predicted[0], baseline);
      const sum = per.reduce((acc, v) => acc + v[0], 0);
      const report = {
        ...base,
        row: r.ids[0],
        rowOf: r.idKind,
        prediction: m.task === "classification" ? className(m, predicted[0]) : round(m.model(r.x).toTypedArray()[0]),
        probabilities: probs ? Object.fromEntries(m.classNames.map((c, k) => [c, round(probs[0][k])])) : null,
        label: r.y && m.task === "classification" ? className(m, r.y.toTypedArray()[0]) : null,
        output: round(output),
        baselineOutput: round(baselineOutput),
        // Integrated gradients promise attributionSum = output - baselineOutput (completeness); the other methods do not.
        attributionSum: round(sum),
        features,
        seconds: round(seconds),
      };
      emitReport(out, o, report, (line) => {
        line(`${describeRow(r, 0)}: predicted ${report.prediction}${probs ? ` (p = ${fmt(probs[0][predicted[0]], 3)})` : ""}${report.label !== null ? `, true class ${report.label}` : ""}`);
        line(`${METHOD_NAMES[method]} of ${explained(m)}:`);
        line(`explained output ${fmt(output)} at this row, ${fmt(baselineOutput)} at the baseline, ${base.baseline}; the attributions add up to ${fmt(sum)}`);
        line("");
        for (const l of table([["feature", "value", "attribution"], ...features.slice(0, o.top).map((q) => [q.feature, String(q.value), fmt(q.attribution)])])) line("  " + l);
        if (features.length > o.top) line(`  ... ${features.length - o.top} more (--top, or --json for all)`);
        line("");
        line(`took ${seconds.toFixed(2)}s`);
      });
      return EXIT.ok;
    }
    let total = 0;
    const ranking = groups.map((g, k) => {
      let sa = 0;
      let s = 0;
      for (const v of per[k]) {
        sa += Math.abs(v);
        s += v;
      }
      total += sa / n;
      return { feature: g.name, meanAbs: sa / n, mean: s / n, share: 0, rank: 0 };
    });
    ranking.sort((p, q) => (Number.isNaN(p.meanAbs) ? 1 : Number.isNaN(q.meanAbs) ? -1 : q.meanAbs - p.meanAbs));
    ranking.forEach((q, i) => {
      q.rank = i + 1;
      q.share = total > 0 ? q.meanAbs / total : NaN;
    });
    const report = {
      ...base,
      rows: n,
      rowsAvailable: r.available,
      ranking: ranking.map((q) => ({ rank: q.rank, feature: q.feature, meanAbs: round(q.meanAbs), mean: round(q.mean), share: round(q.share) })),
      seconds: round(seconds),
    };
    emitReport(out, o, report, (line) => {
      line(`${METHOD_NAMES[method]} on ${n} rows of ${r.name}${r.split ? ` (${r.split} split)` : ""}${n < r.available ? ` (the first ${n} of ${r.available}; --rows for more)` : ""}`);
      line(`explained: ${explained(m)}`);
      line("");
      const rowsOut = report.ranking.slice(0, o.top).map((q) => [String(q.rank), q.feature, fmt(q.meanAbs), `${(100 * q.share).toFixed(1)}%`, fmt(q.mean)]);
      for (const l of table([["rank", "feature", "mean |attr|", "share", "mean attr"], ...rowsOut], [1])) line("  " + l);
      if (ranking.length > o.top) line(`  ... ${ranking.length - o.top} more (--top, or --json for all)`);
      line("");
      line(`took ${seconds.toFixed(2)}s`);
    });
    return EXIT.ok;
  }

  // Image models: mean |attribution| per pixel, the strongest pixels, and PNGs.
  const [h, w] = m.imageShape!;
  const meanAbs = new Float64Array(f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) meanAbs[j] += Math.abs(a[i * f + j]) / n;
  const topPixels = Array.from(meanAbs, (v, j) => ({ row: Math.floor(j / w), col: j % w, meanAbs: v }))
    .sort((p, q) => q.meanAbs - p.meanAbs)
    .slice(0, o.top)
    .map((p) => ({ ...p, meanAbs: round(p.meanAbs) }));
  const files: { file: string; row: number; label: string | null; predicted: string }[] = [];
  // Grey levels: the pixel range, or (images whose pixels are scaled one by one) the range of these rows.
  let [lo, hi] = r.units.bounds ?? [Infinity, -Infinity];
  if (!r.units.bounds) for (const v of r.x.toTypedArray()) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (o.pngDir) {
    const up = Math.max(1, Math.round(112 / Math.max(h, w)));
    const picks = o.row !== undefined ? [0] : pickExamples(m, r, o.perClass, predicted);
    const panels = picks.map((i) => {
      const img = r.x.slice([i], [i + 1]).reshape([h, w]);
      const map = attr.slice([i], [i + 1]).reshape([h, w]);
      // The picture: the image, the signed map alone, and the map over the image.
      const panel = [grayImage(img, lo, hi, up), heatmapRGBA(map, { upscale: up }), heatmapRGBA(map, { upscale: up, overlay: img, alpha: 0.7 })];
      const label = r.y && m.task === "classification" ? className(m, r.y.toTypedArray()[i]) : null;
      const file = writePng(join(o.pngDir!, `${method}-${label ?? className(m, predicted[i])}-${r.idKind}${r.ids[i]}.png`), joinImages(panel, true));
      files.push({ file, row: r.ids[i], label, predicted: className(m, predicted[i]) });
      return panel;
    });
    if (panels.length > 1) files.push({ file: writePng(join(o.pngDir, `${method}-grid.png`), panelGrid(panels)), row: -1, label: null, predicted: "" });
    const mean = heatmapRGBA(tensor(meanAbs, { shape: [h, w] }), { upscale: up, colormap: "sequential" });
    files.push({ file: writePng(join(o.pngDir, `${method}-mean-abs.png`), mean), row: -1, label: null, predicted: "" });
  }
  const secondsAll = (Date.now() - t0) / 1000;
  const report = {
    ...base,
    rows: n,
    rowsAvailable: r.available,
    imageShape: [h, w],
    topPixels,
    files: files.map((q) => (q.row >= 0 ? q : { file: q.file })),
    seconds: round(secondsAll),
  };
  emitReport(out, o, report, (line) => {
    line(`${METHOD_NAMES[method]} on ${n} images of ${r.name}${r.split ? ` (${r.split} split)` : ""} (${h}x${w})`);
    line(`explained: ${explained(m)}`);
    line(`pixels with the largest mean |attribution| (row, col): ${topPixels.slice(0, 5).map((p) => `(${p.row}, ${p.col})`).join(" ")}`);
    if (files.length) {
      line(`wrote ${files.length} PNG files to ${o.pngDir} (each example: image | attribution (red +, blue -) | attribution over the image; the grid: one column per example, those three as rows):`);
      for (const q of files) line(`  ${q.file}${q.row >= 0 ? `  ${r.idKind} ${q.row}, ${q.label !== null ? `label ${q.label}, ` : ""}predicted ${q.predicted}` : ""}`);
    } else line("add --png-dir <folder> to write the maps as PNG files");
    line(`took ${secondsAll.toFixed(2)}s`);
  });
  return EXIT.ok;
}

/** The `audit sensitivity` subcommand. */
export function sensitivityCommand(out: Output, done: (code: number) => void): Command {
  return new Command("sensitivity")
    .description("which features drive a saved model's decisions: a global ranking (tabular), one row's attributions (--row), saliency PNGs (images)")
    .requiredOption("--model <folder>", "a checkpoint folder written by gradnav train --out")
    .option("--data <name|file.csv>", "a built-in dataset or a CSV file with the model's columns (default: the checkpoint's own data)")
    .addOption(new Option("--split <split>", "which split of the checkpoint's own data").choices(["train", "validation", "test", "all"]).default("test"))
    .option("--rows <n>", "audit at most the first n rows (default 1000 tabular, 100 images)", intArg(1))
    .option("--row <n>", "explain this one row: its 0-based index in the dataset (for a CSV file, its n-th data row)", intArg(0))
    .addOption(new Option("--method <method>", "attribution method (default ig for tabular, saliency for images)").choices([...SENSITIVITY_METHODS]))
    .option("--steps <n>", "integrated-gradients steps (default 32) or SmoothGrad samples (default 25)", intArg(1))
    .option("--top <k>", "features (or pixels) to print", intArg(1), 10)
    .option("--png-dir <folder>", "image models: write saliency maps as PNG files here")
    .option("--per-class <n>", "image models with --png-dir: examples per class", intArg(1), 1)
    .option("--seed <s>", "seed for SmoothGrad's noise", seedArg, 0)
    .option("--json", "print one JSON object to stdout")
    .option("--report <file.json>", "also write the JSON report to this file")
    .addHelpText("after", "\nExamples:\n  gradnav audit sensitivity --model runs/cancer --top 5\n  gradnav audit sensitivity --model runs/cancer --row 13 --method gradxinput\n  gradnav audit sensitivity --model runs/mnist --rows 50 --png-dir out/saliency")
    .action(async (o: SensitivityOptions, cmd: Command) => done(await runSensitivity(o, out, cmd.getOptionValueSource("split") === "cli")));
}
