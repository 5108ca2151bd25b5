/**
 * From a gn.data Dataset to what the fairness and influence analyses take: float64 features, 0/1
 * labels, and the raw sensitive columns of the same rows (numeric ones binned into groups).
 */
import { ValueError } from "../../core/errors.js";
import type { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import type { Dataset } from "../../data/dataset.js";
import { type PrepareOptions, prepare } from "../../data/prepare.js";
import type { Preprocessor } from "../../data/preprocess.js";
import { type SensitiveColumns, type SensitiveValue, binValues } from "./groups.js";

/** One split ready for the analyses. */
export interface FairnessSplit {
  /** Features, float64 [rows, features]. */
  x: Tensor;
  /** Labels 0/1. */
  y: Float64Array;
  /** The sensitive columns of these rows (numeric ones binned). */
  sensitive: SensitiveColumns;
  /** The dataset row of each row. */
  rowIds: Int32Array;
}

/** Options of `fairnessData`. */
export interface FairnessDataOptions extends Omit<PrepareOptions, "dtype"> {
  /** The sensitive columns (default the dataset's own list). */
  sensitive?: readonly string[];
  /** Leave the sensitive columns out of the model's features (default false). Proxies (e.g. relationship for sex) stay. */
  dropSensitive?: boolean;
  /** Bin edges for numeric sensitive columns, e.g. { age: [25, 65] }; default: the quartiles of the column. */
  groupBins?: Readonly<Record<string, readonly number[]>>;
}

/** What `fairnessData` returns. */
export interface FairnessData {
  train: FairnessSplit;
  validation: FairnessSplit;
  test: FairnessSplit;
  featureNames: readonly string[];
  /** The sensitive column names. */
  sensitive: string[];
  /** Class names of label 0 and label 1. */
  classNames: [string, string];
  /** The bin edges used for numeric sensitive columns. */
  bins: Record<string, number[]>;
  /** The preprocessing fitted on the training rows (save it with a model). */
  preprocessor: Preprocessor;
}

/**
 * Splits and preprocesses a binary classification dataset (with `gn.data.prepare`, in float64) and
 * attaches the sensitive columns to every split. Numeric sensitive columns with more than 10
 * distinct values are binned (quartiles unless `groupBins` says otherwise).
 * @example
 * const data = gn.fairness.fairnessData(gn.data.loadDataset("german-credit"), { seed: 0, validation: 0, test: 0.3 });
 * const groups = gn.fairness.groupBy(data.train.sensitive, ["sex"]);
 */
export function fairnessData(ds: Dataset, opts: FairnessDataOptions = {}): FairnessData {
  const op = "fairness.fairnessData";
  if (ds.task !== "classification" || ds.classes.length !== 2)
    throw new ValueError(`${op}: ${ds.name} is a ${ds.task === "classification" ? `${ds.classes.length}-class` : "regression"} dataset; the fairness analyses need binary classification`);
  const sensitive = [...(opts.sensitive ?? ds.sensitive)];
  if (sensitive.length === 0) throw new ValueError(`${op}: ${ds.name} names no sensitive columns; pass sensitive: ["column", ...] (the columns are: ${ds.columns.map((c) => c.name).join(", ")})`);
  const raw: Record<string, ArrayLike<SensitiveValue>> = {};
  const bins: Record<string, number[]> = {};
  for (const name of sensitive) {
    const col = ds.columns.find((c) => c.name === name);
    if (!col) throw new ValueError(`${op}: no column "${name}" in ${ds.name}; the columns are: ${ds.columns.map((c) => c.name).join(", ")}`);
    if (col.kind === "categorical") raw[name] = col.values;
    else {
      const values = Array.from(col.values as ArrayLike<number>);
      const distinct = new Set(values.filter((v) => !Number.isNaN(v))).size;
      if (opts.groupBins?.[name] || distinct > 10) {
        const edges = [...(opts.groupBins?.[name] ?? quartiles(values))];
        bins[name] = edges;
        raw[name] = binValues(values, edges);
      } else raw[name] = values;
    }
  }
  const source: Dataset = opts.dropSensitive ? { ...ds, columns: ds.columns.filter((c) => !sensitive.includes(c.name)), sensitive: [] } : ds;
  const prepared = prepare(source, { ...opts, dtype: "float64" });
  const split = (p: { x: Tensor; y: Tensor; rowIds: Int32Array }): FairnessSplit => {
    const cols: Record<string, SensitiveValue[]> = {};
    for (const name of sensitive) cols[name] = Array.from(p.rowIds, (r) => raw[name][r]);
    return { x: p.x.dtype === "float64" ? p.x : ops.cast(p.x, "float64"), y: Float64Array.from(p.y.toTypedArray()), sensitive: cols, rowIds: p.rowIds };
  };
  return {
    train: split(prepared.train),
    validation: split(prepared.validation),
    test: split(prepared.test),
    featureNames: prepared.preprocessor.featureNames,
    sensitive,
    classNames: [ds.classNames[0], ds.classNames[1]],
    bins,
    preprocessor: prepared.preprocessor,
  };
}

function quartiles(values: number[]): number[] {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const q = (p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
  return [...new Set([q(0.25), q(0.5), q(0.75)])];
}
