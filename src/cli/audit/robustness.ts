/**
 * `gradnav audit robustness`: how much accuracy a saved classifier keeps when an attacker may change
 * each input by at most epsilon (PGD or FGSM, L-infinity or L2), plus the DeepFool distance to the
 * decision boundary and a local Lipschitz estimate on a few rows. Budgets are in the units of
 * ./units.ts (standard deviations for tabular data, a fraction of the pixel range for images), and
 * the report says which.
 */
import { join } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { deepFool, pgd, robustAccuracyCurve } from "../../analysis/attacks.js";
import { heatmapRGBA } from "../../analysis/heatmap.js";
import { predict as decide } from "../../analysis/model.js";
import { localLipschitz } from "../../analysis/robustness.js";
import { key as makeKey } from "../../random/index.js";
import { intArg, seedArg } from "../args.js";
import { EXIT } from "../errors.js";
import type { Output } from "../output.js";
import { grayImage, joinImages, panelGrid, writePng } from "./images.js";
import { type ReportOptions, emitReport, fmt, round, table } from "./report.js";
import { className, loadAuditModel, requireClassifier, requireLabels, selectRows } from "./source.js";

interface RobustnessOptions extends ReportOptions {
  model: string;
  data?: string;
  split: "train" | "validation" | "test" | "all";
  rows?: number;
  eps?: number[];
  attack: "pgd" | "fgsm";
  norm: "linf" | "l2";
  steps: number;
  restarts: number;
  deepfoolRows: number;
  lipschitzRows: number;
  pngDir?: string;
  perClass: number;
  seed: number;
}

/** Parses "0,0.05,0.1" into budgets >= 0. */
function epsilonList(v: string): number[] {
  const list = v.split(",").map((s) => s.trim());
  const nums = list.map(Number);
  if (list.length === 0 || list.some((s) => s === "") || nums.some((e) => !(e >= 0 && Number.isFinite(e)))) throw new InvalidArgumentError("expected a comma-separated list of numbers >= 0, e.g. 0,0.05,0.1");
  return nums;
}

function median(v: number[]): number {
  const s = v.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const k = Math.floor(s.length / 2);
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}

async function runRobustness(o: RobustnessOptions, out: Output, splitGiven: boolean): Promise<number> {
  const t0 = Date.now();
  const m = loadAuditModel(o.model);
  requireClassifier(m, "audit robustness");
  const image = m.imageShape !== null;
  const r = selectRows(m, { data: o.data, split: o.split, splitGiven, rows: o.rows ?? (image ? 200 : 1000) });
  const y = requireLabels(r, "audit robustness");
  const labels = y.toTypedArray() as Int32Array;
  const u = r.units;
  const eps = [...new Set([0, ...(o.eps ?? (image ? [0.05, 0.1, 0.2, 0.3] : [0.05, 0.1, 0.2, 0.5, 1]))])].sort((a, b) => a - b);
  const norm = o.norm === "l2" ? 2 : Infinity;
  const bounds = u.bounds ?? undefined;
  const key = makeKey(o.seed);
  const n = r.x.shape[0];

  const tCurve = Date.now();
  const curve = robustAccuracyCurve(m.model, r.x, labels, {
    epsilons: eps.map((e) => e * u.factor),
    attack: o.attack,
    norm,
    steps: o.steps,
    restarts: o.restarts,
    bounds,
    key,
    batchSize: image ? 100 : undefined,
  });
  const curveSeconds = (Date.now() - tCurve) / 1000;
  const robustAccuracy = curve.map((p, i) => ({ epsilon: eps[i], epsilonModelUnits: round(p.epsilon), accuracy: round(p.accuracy), correct: p.correct }));

  // DeepFool: the smallest L2 change found that flips the decision, in the budget's units.
  const tDf = Date.now();
  const dfRows = Math.min(o.deepfoolRows, n);
  let deepfool = null;
  if (dfRows > 0) {
    const df = deepFool(m.model, r.x.slice([0], [dfRows]), { bounds, maxIter: 50 });
    const dist = Array.from(df.norms, (d, i) => (df.flipped[i] ? d / u.factor : NaN));
    deepfool = { rows: dfRows, flipped: df.flipped.filter(Boolean).length, medianL2: round(median(dist)), minL2: round(Math.min(...dist.filter((d) => !Number.isNaN(d)))), seconds: round((Date.now() - tDf) / 1000) };
  }

  // Local Lipschitz constant of the decision margin (CLEVER-style sampling) in a ball of the largest budget.
  const tLip = Date.now();
  const lipRows = Math.min(o.lipschitzRows, n);
  const radius = eps[eps.length - 1] * u.factor;
  let lipschitz = null;
  if (lipRows > 0 && radius > 0) {
    const lr = localLipschitz(m.model, r.x.slice([0], [lipRows]), { radius, norm, samples: 32, key: makeKey(o.seed + 1) });
    // Per unit of the budget: the margin changes by at most L * factor per unit.
    const perUnit = Array.from(lr.lipschitz, (l) => round(l * u.factor));
    lipschitz = {
      rows: lipRows,
      radius: eps[eps.length - 1],
      of: "decision margin (logit of the predicted class minus the best other; for one logit, the logit signed towards the prediction)",
      perUnit,
      median: round(median(perUnit)),
      margin: Array.from(lr.margin!, round),
      cleverRadius: Array.from(lr.clever!, (c) => round(c / u.factor)),
      seconds: round((Date.now() - tLip) / 1000),
    };
  }

  // Adversarial examples as pictures: per class, the first correctly classified image, at the smallest budget that breaks it.
  const files: { file: string; row: number; label: string; epsilon: number | null; predicted: string }[] = [];
  if (o.pngDir && image && m.imageShape) {
    const [h, w] = m.imageShape;
    const up = Math.max(1, Math.round(112 / Math.max(h, w)));
    const clean = decide(m.model, r.x);
    const panels = [];
    for (let c = 0; c < m.classNames.length; c++) {
      const found: number[] = [];
      for (let i = 0; i < n && found.length < o.perClass; i++) if (labels[i] === c && clean[i] === c) found.push(i);
      for (const i of found) {
        const xi = r.x.slice([i], [i + 1]);
        let hit: { e: number; xAdv: typeof xi; pred: number } | null = null;
        let last: { e: number; xAdv: typeof xi; pred: number } | null = null;
        for (const e of eps.filter((v) => v > 0)) {
          const a = pgd(m.model, xi, [c], { epsilon: e * u.factor, norm, steps: o.steps, restarts: o.restarts, bounds, key: makeKey(o.seed + 7 + i) });
          last = { e, xAdv: a.xAdv, pred: a.predicted[0] };
          if (a.success[0]) {
            hit = last;
            break;
          }
        }
        const shown = hit ?? last;
        if (!shown) continue;
        const [lo, hi] = u.bounds ?? [0, 1];
        const img = xi.reshape([h, w]);
        const adv = shown.xAdv.reshape([h, w]);
        // The image, the attacked image, and the change (red brighter, blue darker) on a fixed scale of the budget.
        const panel = [grayImage(img, lo, hi, up), grayImage(adv, lo, hi, up), heatmapRGBA(adv.sub(img), { upscale: up, colormap: "diverging", scale: shown.e * u.factor })];
        panels.push(panel);
        const file = writePng(join(o.pngDir, `adversarial-${className(m, c)}-${r.idKind}${r.ids[i]}.png`), joinImages(panel, true));
        files.push({ file, row: r.ids[i], label: className(m, c), epsilon: hit ? shown.e : null, predicted: className(m, shown.pred) });
      }
    }
    if (panels.length > 1) files.push({ file: writePng(join(o.pngDir, "adversarial-grid.png"), panelGrid(panels)), row: -1, label: "", epsilon: null, predicted: "" });
  }

  const seconds = (Date.now() - t0) / 1000;
  const report = {
    command: "audit robustness",
    model: o.model,
    data: r.name,
    split: r.split,
    rows: n,
    rowsAvailable: r.available,
    attack: { name: o.attack, norm: o.norm, steps: o.attack === "pgd" ? o.steps : 1, restarts: o.attack === "pgd" ? o.restarts : 1, seed: o.seed },
    epsilonUnit: u.unit,
    epsilonScale: { kind: u.kind, modelUnitsPerUnit: round(u.factor), boundsModelUnits: u.bounds ? u.bounds.map(round) : null },
    cleanAccuracy: robustAccuracy[0].accuracy,
    robustAccuracy,
    deepfool: deepfool && { ...deepfool, unit: `L2 norm, in the epsilon unit (${u.kind === "pixel-range" ? "pixel range fractions" : "model units"})` },
    lipschitz,
    files: files.map((f) => (f.row >= 0 ? f : { file: f.file })),
    seconds: { total: round(seconds), curve: round(curveSeconds), deepfool: deepfool?.seconds ?? 0, lipschitz: lipschitz?.seconds ?? 0 },
  };
  emitReport(out, o, report, (line) => {
    line(`robust accuracy of ${o.model} on ${n} rows of ${r.name}${r.split ? ` (${r.split} split)` : ""} under ${o.attack.toUpperCase()}${o.attack === "pgd" ? ` (${o.steps} steps${o.restarts > 1 ? `, ${o.restarts} restarts` : ""})` : ""}, ${o.norm === "l2" ? "L2" : "L-infinity"} budget epsilon`);
    line(`epsilon is in ${u.unit}`);
    line("");
    for (const l of table([["epsilon", "robust accuracy", "correct"], ...robustAccuracy.map((p) => [String(p.epsilon), (100 * p.accuracy).toFixed(1) + "%", `${p.correct}/${n}`])])) line("  " + l);
    line("");
    if (deepfool) line(`DeepFool on ${deepfool.rows} rows: ${deepfool.flipped} flipped; median L2 distance to the decision boundary ${fmt(deepfool.medianL2, 3)} (smallest ${fmt(deepfool.minL2, 3)}), in the epsilon unit`);
    if (lipschitz) line(`local Lipschitz constant of the decision margin within epsilon ${lipschitz.radius} on ${lipschitz.rows} rows: median ${fmt(lipschitz.median, 3)} logits per epsilon unit (${o.norm === "l2" ? "L2" : "L-infinity"})`);
    if (files.length) {
      line(`wrote ${files.length} PNG files to ${o.pngDir} (each: image | attacked image | change, red brighter, blue darker; the grid: one column per example, those three as rows):`);
      for (const f of files) line(`  ${f.file}${f.row >= 0 ? `  ${f.label} -> ${f.predicted}${f.epsilon !== null ? ` at epsilon ${f.epsilon}` : " (not broken at the largest epsilon)"}` : ""}`);
    }
    line(`took ${seconds.toFixed(1)}s (curve ${curveSeconds.toFixed(1)}s)`);
  });
  return EXIT.ok;
}

/** The `audit robustness` subcommand. */
export function robustnessCommand(out: Output, done: (code: number) => void): Command {
  return new Command("robustness")
    .description("robust accuracy of a saved classifier under PGD or FGSM per epsilon, DeepFool distances and a local Lipschitz estimate")
    .requiredOption("--model <folder>", "a checkpoint folder written by gradnav train --out")
    .option("--data <name|file.csv>", "a built-in dataset or a labelled CSV file with the model's columns (default: the checkpoint's own data)")
    .addOption(new Option("--split <split>", "which split of the checkpoint's own data").choices(["train", "validation", "test", "all"]).default("test"))
    .option("--rows <n>", "attack at most the first n rows (default 1000 tabular, 200 images)", intArg(1))
    .option("--eps <list>", "budgets, comma-separated: standard deviations for tabular models, fractions of the pixel range for images (default 0,0.05,0.1,0.2,0.5,1 tabular; 0,0.05,0.1,0.2,0.3 images)", epsilonList)
    .addOption(new Option("--attack <name>", "the attack").choices(["pgd", "fgsm"]).default("pgd"))
    .addOption(new Option("--norm <norm>", "the budget's norm").choices(["linf", "l2"]).default("linf"))
    .option("--steps <n>", "PGD steps", intArg(1), 10)
    .option("--restarts <n>", "PGD random restarts", intArg(1), 1)
    .option("--deepfool-rows <n>", "rows for the DeepFool distance (0: skip)", intArg(0), 20)
    .option("--lipschitz-rows <n>", "rows for the local Lipschitz estimate (0: skip)", intArg(0), 5)
    .option("--png-dir <folder>", "image models: write adversarial examples (image, attacked image, change) as PNG files here")
    .option("--per-class <n>", "image models with --png-dir: examples per class", intArg(1), 1)
    .option("--seed <s>", "seed for the attacks' random starts", seedArg, 0)
    .option("--json", "print one JSON object to stdout")
    .option("--report <file.json>", "also write the JSON report to this file")
    .addHelpText("after", "\nExamples:\n  gradnav audit robustness --model runs/cancer --eps 0,0.1,0.2,0.5 --json\n  gradnav audit robustness --model runs/mnist --rows 200 --eps 0,0.05,0.1,0.2 --png-dir out/adversarial")
    .action(async (o: RobustnessOptions, cmd: Command) => done(await runRobustness(o, out, cmd.getOptionValueSource("split") === "cli")));
}
