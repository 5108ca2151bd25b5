/**
 * What every `gradnav audit` subcommand starts from: a saved model as a function of its input, and
 * the rows to audit (a split of the checkpoint's own data, another built-in dataset, or a CSV file),
 * preprocessed by the model's saved preprocessor.
 */
import { existsSync } from "node:fs";
import type { Tensor } from "../../core/tensor.js";
import { readCsvTable } from "../../data/csv.js";
import type { Dataset } from "../../data/dataset.js";
import { Preprocessor } from "../../data/preprocess.js";
import { splitDataset } from "../../data/split.js";
import type { Model } from "../../analysis/model.js";
import { loadCheckpoint } from "../../node/checkpoint.js";
import { key as makeKey } from "../../random/index.js";
import type { Checkpoint, ModelJson } from "../../train/checkpoint.js";
import { type DataSource, type SplitSpec, type describeData, isBuiltin, readData } from "../data.js";
import { UsageError } from "../errors.js";
import { type InputUnits, inputUnits, pixelRange } from "./units.js";

/** A saved model, ready to audit. */
export interface AuditModel {
  dir: string;
  checkpoint: Checkpoint & { json: ModelJson };
  preprocessor: Preprocessor;
  /** The model in evaluation mode: a batch [N, F] of preprocessed rows in, logits (or one score) out. */
  model: Model;
  task: "classification" | "regression";
  classNames: readonly string[];
  /** [H, W] for image models (the preprocessor records it), else null. */
  imageShape: readonly [number, number] | null;
  /** The dataset the checkpoint was trained on, as `gradnav train` recorded it (null when it did not). */
  saved: ReturnType<typeof describeData> | null;
}

/**
 * Loads the checkpoint in `dir` for auditing. A missing folder or model.json is a runtime error (exit
 * 1, as `gradnav eval`); a checkpoint without a saved preprocessor is a usage error, since the audits
 * report features by their names and units.
 */
export function loadAuditModel(dir: string): AuditModel {
  const checkpoint = loadCheckpoint(dir);
  if (checkpoint.preprocessor === null || checkpoint.preprocessor === undefined)
    throw new UsageError(`${dir} has no preprocessing saved, so its features have no names or units to report; audit a model saved by gradnav train --out`);
  const preprocessor = Preprocessor.fromJSON(checkpoint.preprocessor);
  const spec = preprocessor.spec;
  const { model: layer, params, state } = checkpoint;
  const model: Model = (x) => layer.apply(params, x, { state, training: false }).y;
  return {
    dir,
    checkpoint,
    preprocessor,
    model,
    task: checkpoint.task,
    classNames: spec.task === "classification" ? spec.classNames : [],
    imageShape: spec.imageShape,
    saved: (checkpoint.json.dataset as ReturnType<typeof describeData> | null) ?? null,
  };
}

/** Which rows to audit. */
export interface RowSelection {
  /** A built-in dataset or a CSV file (default: the checkpoint's own dataset). */
  data?: string;
  /** With the checkpoint's own data: which split (default "test"). */
  split?: "train" | "validation" | "test" | "all";
  /** True when --split was given on the command line (it applies only to the checkpoint's own data). */
  splitGiven?: boolean;
  /** At most this many rows (the first ones of the selection). */
  rows?: number;
  /** One row: its 0-based index in the dataset (a CSV file's N-th data row). */
  row?: number;
}

/** The rows to audit, preprocessed. */
export interface AuditRows {
  /** The data's name (built-in name or file path). */
  name: string;
  /** "checkpoint": the data the model was trained on, split as it was; "builtin" or "csv": other data, used whole. */
  origin: "checkpoint" | "builtin" | "csv";
  /** The split the rows come from (checkpoint data only), else null. For --row, the split that holds the row. */
  split: string | null;
  /** Preprocessed rows [N, F]. */
  x: Tensor;
  /** Class indices (int32) or targets; null for a CSV file without the target column. */
  y: Tensor | null;
  /** Per row: its index in the dataset (built-in data) or its 1-based line in the CSV file. */
  ids: Int32Array;
  idKind: "row" | "line";
  /** Rows available before --rows cut them. */
  available: number;
  /** The rows that define "plausible values" (ranges of the features): the training split for the checkpoint's data, else all rows read. */
  reference: () => Tensor;
  /** Perturbation units (model units per user unit, bounds, wording). */
  units: InputUnits;
}

/** The split each dataset row belongs to. */
function splitOfRow(split: ReturnType<typeof splitDataset>, r: number): string {
  for (const name of ["train", "validation", "test"] as const) if (split[name].includes(r)) return name;
  return "none";
}

/** Checks that a dataset has the columns, kinds and task the model was trained on (a usage error names the differences). */
function checkColumns(m: AuditModel, ds: Dataset, name: string): void {
  const spec = m.preprocessor.spec;
  const have = new Map(ds.columns.map((c) => [c.name, c.kind]));
  const missing = spec.columns.filter((c) => !have.has(c.name)).map((c) => c.name);
  if (missing.length > 0)
    throw new UsageError(
      `the model in ${m.dir} was trained on ${m.saved?.name ?? "other data"} and reads ${spec.columns.length} feature columns; "${name}" lacks ${missing.length} of them (${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}): audit it on data with the same columns`,
    );
  if (ds.task !== spec.task) throw new UsageError(`the model in ${m.dir} is for ${spec.task} but "${name}" is a ${ds.task} dataset`);
  if (spec.task === "classification" && ds.classes.join("\u0000") !== spec.classes.join("\u0000"))
    throw new UsageError(`the model in ${m.dir} predicts the classes ${spec.classes.join(", ")} but "${name}" has ${ds.classes.join(", ")}`);
}

function checkRow(row: number, count: number, what: string): void {
  if (row >= count) throw new UsageError(`--row ${row} is out of range: ${what} has ${count} rows (0..${count - 1})`);
}

/** Limits rows to the first `rows`. */
function firstRows<T extends { x: Tensor; y: Tensor | null; ids: Int32Array }>(r: T, rows: number | undefined): T {
  const n = r.x.shape[0];
  if (rows === undefined || rows >= n) return r;
  return { ...r, x: r.x.slice([0], [rows]), y: r.y ? r.y.slice([0], [rows]) : null, ids: r.ids.slice(0, rows) };
}

/**
 * Reads and preprocesses the rows to audit. The checkpoint's own dataset is split again with the saved
 * seed and fractions (so "test" is the rows the model never saw); other data is used whole. Usage
 * errors: an unknown dataset, --split with other data, --row out of range, data without the model's
 * columns. A CSV file with missing or malformed columns is a runtime data error (exit 1), as in
 * `gradnav predict`.
 */
export function selectRows(m: AuditModel, sel: RowSelection): AuditRows {
  const prep = m.preprocessor;
  const own = sel.data === undefined || (m.saved !== null && sel.data === m.saved.name);
  if (own) {
    if (!m.saved?.split) throw new UsageError(`${m.dir} does not record the data it was trained on; pass a built-in dataset or a CSV file with --data`);
    const src: DataSource = { data: m.saved.name, target: m.saved.builtin ? undefined : m.saved.target, task: m.saved.csvTask };
    const ds = readData(src);
    const s = m.saved.split as SplitSpec;
    const split = splitDataset(ds, makeKey(s.seed), { validation: s.validation, test: s.test });
    const units = inputUnits(prep.spec, m.imageShape ? pixelRange(ds) : undefined);
    const reference = () => prep.transform(ds, split.train).x;
    if (sel.row !== undefined) {
      checkRow(sel.row, ds.rows, `${m.saved.name}`);
      const p = prep.transform(ds, [sel.row]);
      if (p.x.shape[0] === 0) throw new UsageError(`row ${sel.row} of ${m.saved.name} has a missing value and the model's preprocessing drops such rows`);
      return { name: m.saved.name, origin: "checkpoint", split: splitOfRow(split, sel.row), x: p.x, y: p.y, ids: p.rowIds, idKind: "row", available: 1, reference, units };
    }
    const which = sel.split ?? "test";
    const rows = which === "all" ? Int32Array.from({ length: ds.rows }, (_, i) => i) : split[which];
    if (rows.length === 0) throw new UsageError(`the ${which} split of ${m.saved.name} is empty for this checkpoint (fractions ${JSON.stringify(s)}); choose another --split`);
    // Transform only the rows that will be audited (MNIST's test split alone is 10,000 images).
    const take = sel.rows === undefined ? rows : rows.slice(0, sel.rows);
    const p = prep.transform(ds, take);
    return { name: m.saved.name, origin: "checkpoint", split: which, x: p.x, y: p.y, ids: p.rowIds, idKind: "row", available: rows.length, reference, units };
  }
  if (sel.splitGiven) throw new UsageError(`--split applies to the checkpoint's own data; ${sel.data} is audited whole (use --rows to take fewer rows)`);
  const name = sel.data!;
  if (isBuiltin(name)) {
    const ds = readData({ data: name });
    checkColumns(m, ds, name);
    const units = inputUnits(prep.spec, m.imageShape ? pixelRange(ds) : undefined);
    if (sel.row !== undefined) checkRow(sel.row, ds.rows, name);
    const rows = sel.row !== undefined ? [sel.row] : Int32Array.from({ length: Math.min(ds.rows, sel.rows ?? ds.rows) }, (_, i) => i);
    const p = prep.transform(ds, rows);
    return { name, origin: "builtin", split: null, x: p.x, y: p.y, ids: p.rowIds, idKind: "row", available: sel.row !== undefined ? 1 : ds.rows, reference: () => prep.transform(ds).x, units };
  }
  // A CSV file (readData's checks: an unknown name that is not a file path is a usage error).
  readDataGuard(name);
  const t = prep.transformTable(readCsvTable(name));
  const all = { x: t.x, y: t.y, ids: t.lines };
  const units = inputUnits(prep.spec, undefined);
  if (sel.row !== undefined) {
    checkRow(sel.row, t.x.shape[0], name);
    const pick = (v: Tensor) => v.slice([sel.row!], [sel.row! + 1]);
    return { name, origin: "csv", split: null, x: pick(t.x), y: t.y ? pick(t.y) : null, ids: t.lines.slice(sel.row, sel.row + 1), idKind: "line", available: 1, reference: () => t.x, units };
  }
  const cut = firstRows(all, sel.rows);
  return { name, origin: "csv", split: null, ...cut, idKind: "line", available: t.x.shape[0], reference: () => t.x, units };
}

/** The usage error readData gives for a name that is neither a built-in dataset nor a file. */
function readDataGuard(name: string): void {
  if (!existsSync(name) && !/[\\/]|\.csv(\.gz)?$/i.test(name)) readData({ data: name });
}

/** "row 12 (test split)" or "line 14 of file.csv": where an audited row came from, for people. */
export function describeRow(r: AuditRows, i: number): string {
  if (r.idKind === "line") return `line ${r.ids[i]} of ${r.name}`;
  return `row ${r.ids[i]} of ${r.name}${r.split && r.origin === "checkpoint" ? ` (${r.split} split${r.split === "test" ? ", not seen in training" : ""})` : ""}`;
}

/** Class name of a class index. */
export function className(m: AuditModel, c: number): string {
  return c < 0 ? "(no decision: NaN output)" : (m.classNames[c] ?? String(c));
}

/** Usage error unless the model is a classifier. */
export function requireClassifier(m: AuditModel, what: string): void {
  if (m.task !== "classification") throw new UsageError(`${what} needs a classifier; the model in ${m.dir} is a regression model`);
}

/** Usage error unless the rows have labels. */
export function requireLabels(r: AuditRows, what: string): Tensor {
  if (r.y === null) throw new UsageError(`${what} needs the true labels; ${r.name} has no target column`);
  return r.y;
}
