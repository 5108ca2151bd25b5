/**
 * A fitted, serialisable preprocessing pipeline: missing-value handling, scaling and one-hot encoding,
 * all fitted on the training rows only, then applied unchanged to validation, test and new files (the
 * JSON form travels with a saved model so `gradnav predict` transforms new CSVs the same way).
 */
import type { DType } from "../core/dtype.js";
import { DTypeError, ValueError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { fromTypedUnchecked } from "../ops/creation.js";
import { type CsvTable } from "./csv.js";
import { type Dataset, type Task, datasetFromTable, featureColumns } from "./dataset.js";
import { DataError } from "./errors.js";
import type { ColumnKind } from "./schema.js";

/**
 * The category that stands for "missing" in a categorical column (when missing values are imputed).
 * @example prep.featureNames.includes(`color=${gn.data.MISSING_CATEGORY}`) // "color=<missing>"
 */
export const MISSING_CATEGORY = "<missing>";

/** How numeric features are scaled, with statistics from the training rows. */
export type Scaling = "standard" | "global" | "minmax" | "none";

/** Options of `fitPreprocessor`. */
export interface PreprocessOptions {
  /**
   * "standard" (default): subtract the training mean, divide by the training standard deviation
   * (population, ddof 0; a constant column is only centred). "minmax": map the training range to [0, 1].
   * "global": one mean and std pooled over all numeric columns (the default for images, whose pixels
   * share one scale: per-pixel statistics would blow up pixels that are almost always blank).
   * "none": leave values as they are. Boolean columns stay 0/1 in every mode.
   */
  scaling?: Scaling;
  /**
   * "impute" (default): a missing numeric or boolean value becomes the training mean of its column; a
   * missing categorical value becomes its own category MISSING_CATEGORY when the training rows have
   * one, else all zeros. "drop": rows with any missing feature are left out, when fitting and when
   * transforming (the kept rows are in `rowIds`).
   */
  missing?: "impute" | "drop";
  /** With "impute": add a 0/1 feature `<name>:missing` for each numeric or boolean column that has missing values in the training rows. Default false. */
  missingIndicators?: boolean;
  /** A category not seen in the training rows: "ignore" (default) encodes it as all zeros; "error" throws a DataError. */
  unknownCategories?: "ignore" | "error";
  /** Regression: also standardise the target with its training mean and std (undo with `decodeTarget`). Default false. */
  standardizeTarget?: boolean;
}

/** A numeric or boolean column's fitted transform: x -> ((missing ? fill : x) - shift) / scale. */
export interface NumericColumnSpec {
  name: string;
  kind: "numeric" | "boolean";
  fill: number;
  shift: number;
  scale: number;
  indicator: boolean;
}

/** A categorical column's fitted one-hot encoding, in category order. */
export interface CategoricalColumnSpec {
  name: string;
  kind: "categorical";
  categories: string[];
}

/** The JSON form of a fitted preprocessor (plain data: save it with JSON.stringify). */
export interface PreprocessorSpec {
  format: "gradnav.preprocessor";
  version: 1;
  task: Task;
  target: string;
  classes: string[];
  classNames: string[];
  scaling: Scaling;
  missing: "impute" | "drop";
  unknownCategories: "ignore" | "error";
  missingTokens: string[];
  columns: (NumericColumnSpec | CategoricalColumnSpec)[];
  /** Regression target standardisation, when fitted with standardizeTarget. */
  targetScale: { mean: number; std: number } | null;
  imageShape: [number, number] | null;
}

/** Rows turned into tensors: x is [rows, features], y holds class indices (int32) or targets (float). */
export interface Prepared {
  readonly x: Tensor;
  /** Labels: int32 class indices, or float regression targets (standardised if fitted so). Absent for files without the target. */
  readonly y: Tensor;
  /** The dataset row of each row of x. */
  readonly rowIds: Int32Array;
  readonly featureNames: readonly string[];
}

/** Rows of a new file turned into features (the target may be absent). */
export interface PreparedTable {
  readonly x: Tensor;
  readonly y: Tensor | null;
  /** The 1-based file line of each row of x (rows dropped for missing values are not listed). */
  readonly lines: Int32Array;
  readonly featureNames: readonly string[];
}

/** The rows of a dataset that transforms read (a Dataset, or the features of a new file). */
interface FeatureSource {
  readonly columns: Dataset["columns"];
  readonly rows: number;
  readonly source: string;
  readonly lines?: Int32Array;
}

function mean(values: ArrayLike<number>, rows: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]];
    if (!Number.isNaN(v)) {
      s += v;
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
}

function hasMissing(col: Dataset["columns"][number], r: number): boolean {
  return col.kind === "categorical" ? col.values[r] === null : Number.isNaN(col.values[r]);
}

/**
 * A fitted preprocessing pipeline. Make one with `fitPreprocessor` or `Preprocessor.fromJSON`.
 * @example
 * const prep = gn.data.fitPreprocessor(ds, split.train);
 * const test = prep.transform(ds, split.test);      // uses the training statistics
 * const saved = JSON.stringify(prep);                // store next to the model
 */
export class Preprocessor {
  /** The fitted parameters (plain data). */
  readonly spec: PreprocessorSpec;
  /** Names of the output features: `name` for numeric columns, `name=category` for one-hot columns, `name:missing` for indicators. */
  readonly featureNames: readonly string[];

  /** @internal Use `fitPreprocessor` or `Preprocessor.fromJSON`. */
  constructor(spec: PreprocessorSpec) {
    this.spec = spec;
    const names: string[] = [];
    for (const c of spec.columns) {
      if (c.kind === "categorical") for (const cat of c.categories) names.push(`${c.name}=${cat}`);
      else {
        names.push(c.name);
        if (c.indicator) names.push(`${c.name}:missing`);
      }
    }
    this.featureNames = names;
  }

  /** Number of output features (columns of x). @example gn.data.fitPreprocessor(ds, rows).featureCount // e.g. 107 for Adult */
  get featureCount(): number {
    return this.featureNames.length;
  }

  /**
   * Applies the fitted transform to rows of a dataset (default: all rows) and returns tensors. With
   * `missing: "drop"` rows with a missing feature are left out (see `rowIds`). The dataset must have the
   * fitted columns with the same kinds (a DataError names any that differ).
   * @example
   * const prep = gn.data.fitPreprocessor(ds, split.train);
   * const { x, y } = prep.transform(ds, split.test);
   */
  transform(ds: Dataset, rows?: ArrayLike<number>, opts: { dtype?: DType } = {}): Prepared {
    const rowList = rows ?? Int32Array.from({ length: ds.rows }, (_, i) => i);
    if (ds.task !== this.spec.task)
      throw new DataError({ source: ds.source }, `the preprocessor was fitted for ${this.spec.task} but the dataset is for ${ds.task}`);
    const { x, kept } = this.features(ds, rowList, opts.dtype);
    const rowIds = Int32Array.from(kept, (i) => rowList[i]);
    return { x, y: this.labels(ds, rowIds, opts.dtype), rowIds, featureNames: this.featureNames };
  }

  /**
   * Transforms the rows of a new CSV table (as in `gradnav predict`): reads the fitted feature columns
   * with their fitted kinds, then scales and encodes them. Extra columns are ignored. The target is read
   * when the table has the target column (rows whose target is missing are then left out).
   * Throws a DataError for a missing feature column (listing them), text in a numeric column, an unknown
   * category with unknownCategories "error", or an unknown class.
   * @example
   * const prep = gn.data.Preprocessor.fromJSON(JSON.parse(savedJson));
   * const { x, lines } = prep.transformTable(gn.data.readCsvTable("new.csv"));
   */
  transformTable(table: CsvTable, opts: { dtype?: DType } = {}): PreparedTable {
    const names = this.spec.columns.map((c) => c.name);
    const absent = names.filter((n) => !table.header.includes(n));
    if (absent.length > 0)
      throw new DataError(
        { source: table.source, line: table.headerLine },
        `missing feature column${absent.length > 1 ? "s" : ""} ${absent.map((n) => JSON.stringify(n)).join(", ")} that the model was trained on; the file has: ${table.header.join(", ")}`,
      );
    const kinds: Record<string, ColumnKind> = {};
    for (const c of this.spec.columns) kinds[c.name] = c.kind;
    if (table.header.includes(this.spec.target)) {
      const ds = datasetFromTable(table, {
        target: this.spec.target,
        task: this.spec.task,
        features: names,
        kinds,
        missingTokens: this.spec.missingTokens,
        classes: this.spec.task === "classification" ? this.spec.classes : undefined,
        classNames: this.spec.task === "classification" ? this.spec.classNames : undefined,
      });
      const p = this.transform(ds, undefined, opts);
      return { x: p.x, y: p.y, lines: Int32Array.from(p.rowIds, (r) => ds.lines![r]), featureNames: this.featureNames };
    }
    const src: FeatureSource = {
      columns: featureColumns(table, names, { kinds, missingTokens: this.spec.missingTokens }),
      rows: table.rows.length,
      source: table.source,
      lines: Int32Array.from(table.lines),
    };
    const all = Int32Array.from({ length: src.rows }, (_, i) => i);
    const { x, kept } = this.features(src, all, opts.dtype);
    return { x, y: null, lines: Int32Array.from(kept, (i) => src.lines![i]), featureNames: this.featureNames };
  }

  /**
   * Undoes target standardisation (regression fitted with standardizeTarget); otherwise returns y unchanged.
   * @example const predictedProgression = prep.decodeTarget(model(x));
   */
  decodeTarget(y: Tensor): Tensor {
    const t = this.spec.targetScale;
    return t === null ? y : y.mul(t.std).add(t.mean);
  }

  /** The plain-data form, for JSON.stringify. @example const json = JSON.stringify(prep); */
  toJSON(): PreprocessorSpec {
    return this.spec;
  }

  /**
   * Rebuilds a preprocessor from its JSON form (`JSON.parse` of a saved one). Throws a DataError when
   * the object is not a gradnav preprocessor or a field is missing or malformed.
   * @example const prep = gn.data.Preprocessor.fromJSON(JSON.parse(text));
   */
  static fromJSON(json: unknown): Preprocessor {
    return new Preprocessor(checkSpec(json));
  }

  private features(src: FeatureSource, rows: ArrayLike<number>, dtype: DType = "float32"): { x: Tensor; kept: number[] } {
    if (dtype !== "float32" && dtype !== "float64") throw new DTypeError(`Preprocessor.transform: dtype must be float32 or float64, got ${dtype}`);
    const cols = this.spec.columns.map((spec) => {
      const col = src.columns.find((c) => c.name === spec.name);
      if (col === undefined) throw new DataError({ source: src.source, columnName: spec.name }, `the data has no column ${JSON.stringify(spec.name)}, which the preprocessor was fitted on`);
      if (col.kind !== spec.kind)
        throw new DataError({ source: src.source, columnName: spec.name }, `the column is ${col.kind} here but was ${spec.kind} when fitted; read it with kinds: { ${JSON.stringify(spec.name)}: "${spec.kind}" }`);
      return col;
    });
    const kept: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (this.spec.missing === "drop" && cols.some((c) => hasMissing(c, rows[i]))) continue;
      kept.push(i);
    }
    const d = this.featureCount;
    const m = kept.length;
    const out = dtype === "float32" ? new Float32Array(m * d) : new Float64Array(m * d);
    const source = Int32Array.from(kept, (i) => rows[i]);
    let offset = 0;
    this.spec.columns.forEach((spec, j) => {
      const col = cols[j];
      if (spec.kind === "categorical") {
        const values = col.values as readonly (string | null)[];
        const index = new Map(spec.categories.map((c, k) => [c, k]));
        const missingAt = index.get(MISSING_CATEGORY);
        for (let n = 0; n < m; n++) {
          const r = source[n];
          const v = values[r];
          const k = v === null ? missingAt : index.get(v);
          if (k === undefined && v !== null && this.spec.unknownCategories === "error")
            throw new DataError(
              { source: src.source, line: src.lines?.[r], columnName: spec.name },
              `category ${JSON.stringify(v)} was not in the training data (known: ${spec.categories.join(", ")}); use unknownCategories: "ignore" to encode it as all zeros`,
            );
          if (k !== undefined) out[n * d + offset + k] = 1;
        }
        offset += spec.categories.length;
      } else {
        const values = col.values as ArrayLike<number>;
        const { fill, shift, scale, indicator } = spec;
        for (let n = 0, at = offset; n < m; n++, at += d) {
          const v = values[source[n]];
          const miss = v !== v; // NaN
          out[at] = ((miss ? fill : v) - shift) / scale;
          if (indicator) out[at + 1] = miss ? 1 : 0;
        }
        offset += indicator ? 2 : 1;
      }
    });
    return { x: fromTypedUnchecked(out, [kept.length, d], dtype), kept };
  }

  private labels(ds: Dataset, rowIds: Int32Array, dtype: DType = "float32"): Tensor {
    if (ds.task === "classification") return fromTypedUnchecked(Int32Array.from(rowIds, (r) => ds.labels[r]), [rowIds.length], "int32");
    const t = this.spec.targetScale ?? { mean: 0, std: 1 };
    const y = dtype === "float64" ? new Float64Array(rowIds.length) : new Float32Array(rowIds.length);
    rowIds.forEach((r, i) => (y[i] = (ds.labels[r] - t.mean) / t.std));
    return fromTypedUnchecked(y, [rowIds.length], dtype);
  }
}

/** Mean and std (population) of all numeric values of the rows, missing values left out. */
function pooledStats(ds: Dataset, rows: readonly number[]): { mean: number; std: number } {
  let n = 0;
  let sum = 0;
  for (const c of ds.columns)
    if (c.kind === "numeric")
      for (const r of rows) {
        const v = c.values[r];
        if (!Number.isNaN(v)) {
          sum += v;
          n++;
        }
      }
  const m = n === 0 ? 0 : sum / n;
  let ss = 0;
  for (const c of ds.columns)
    if (c.kind === "numeric")
      for (const r of rows) {
        const v = c.values[r];
        if (!Number.isNaN(v)) ss += (v - m) ** 2;
      }
  const std = n === 0 ? 0 : Math.sqrt(ss / n);
  return { mean: m, std: std > 0 ? std : 1 };
}

/**
 * Fits a preprocessor on the given rows of a dataset (the training split: validation and test rows
 * must not influence the statistics). See PreprocessOptions for the scaling and missing-value policy.
 * Throws a ValueError for an empty row set (or, with missing "drop", when every row has a missing value).
 *
 * @example
 * const ds = gn.data.loadDataset("iris");
 * const split = gn.data.splitDataset(ds, gn.random.key(0));
 * const prep = gn.data.fitPreprocessor(ds, split.train);
 * const train = prep.transform(ds, split.train); // train.x: [105, 4], mean 0, std 1 per column
 */
export function fitPreprocessor(ds: Dataset, rows: ArrayLike<number>, opts: PreprocessOptions = {}): Preprocessor {
  const scaling = opts.scaling ?? (ds.imageShape !== undefined ? "global" : "standard");
  const missing = opts.missing ?? "impute";
  if (!["standard", "global", "minmax", "none"].includes(scaling))
    throw new ValueError(`fitPreprocessor: scaling must be "standard", "global", "minmax" or "none", got ${JSON.stringify(scaling)}`);
  if (!["impute", "drop"].includes(missing)) throw new ValueError(`fitPreprocessor: missing must be "impute" or "drop", got ${JSON.stringify(missing)}`);
  let fitRows = Array.from(rows);
  if (missing === "drop") fitRows = fitRows.filter((r) => !ds.columns.some((c) => hasMissing(c, r)));
  if (fitRows.length === 0)
    throw new ValueError(`fitPreprocessor: no rows to fit on${missing === "drop" && rows.length > 0 ? ` (all ${rows.length} rows have a missing value and missing is "drop")` : ""}`);

  const pooled = scaling === "global" ? pooledStats(ds, fitRows) : { mean: 0, std: 1 };
  const columns = ds.columns.map((col): NumericColumnSpec | CategoricalColumnSpec => {
    if (col.kind === "categorical") {
      const seen = new Set<string>();
      let anyMissing = false;
      for (const r of fitRows) {
        const v = col.values[r];
        if (v === null) anyMissing = true;
        else seen.add(v);
      }
      const categories = [...seen].sort();
      if (anyMissing) categories.push(MISSING_CATEGORY);
      return { name: col.name, kind: "categorical", categories };
    }
    const m = mean(col.values, fitRows);
    const fill = Number.isNaN(m) ? 0 : m;
    const anyMissing = fitRows.some((r) => Number.isNaN(col.values[r]));
    let shift = 0;
    let scale = 1;
    if (col.kind === "numeric" && scaling === "standard") {
      let ss = 0;
      for (const r of fitRows) {
        const v = col.values[r];
        ss += ((Number.isNaN(v) ? fill : v) - fill) ** 2;
      }
      shift = fill;
      const std = Math.sqrt(ss / fitRows.length);
      scale = std > 0 ? std : 1;
    } else if (col.kind === "numeric" && scaling === "global") {
      shift = pooled.mean;
      scale = pooled.std;
    } else if (col.kind === "numeric" && scaling === "minmax") {
      let lo = Infinity;
      let hi = -Infinity;
      for (const r of fitRows) {
        const v = Number.isNaN(col.values[r]) ? fill : col.values[r];
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      shift = lo;
      scale = hi > lo ? hi - lo : 1;
    }
    return { name: col.name, kind: col.kind, fill, shift, scale, indicator: missing === "impute" && (opts.missingIndicators ?? false) && anyMissing };
  });

  let targetScale: PreprocessorSpec["targetScale"] = null;
  if (ds.task === "regression" && opts.standardizeTarget) {
    const m = mean(ds.labels, fitRows);
    const sd = Math.sqrt(fitRows.reduce((s, r) => s + (ds.labels[r] - m) ** 2, 0) / fitRows.length);
    targetScale = { mean: m, std: sd > 0 ? sd : 1 };
  }
  return new Preprocessor({
    format: "gradnav.preprocessor",
    version: 1,
    task: ds.task,
    target: ds.target,
    classes: [...ds.classes],
    classNames: [...ds.classNames],
    scaling,
    missing,
    unknownCategories: opts.unknownCategories ?? "ignore",
    missingTokens: [...ds.missingTokens],
    columns,
    targetScale,
    imageShape: ds.imageShape ? [ds.imageShape[0], ds.imageShape[1]] : null,
  });
}

function checkSpec(json: unknown): PreprocessorSpec {
  const fail = (why: string): never => {
    throw new DataError({ source: "preprocessor JSON" }, `${why}; expected the output of JSON.stringify(preprocessor)`);
  };
  if (typeof json !== "object" || json === null) fail("not an object");
  const s = json as Partial<PreprocessorSpec>;
  if (s.format !== "gradnav.preprocessor") fail(`format is ${JSON.stringify(s.format)}, not "gradnav.preprocessor"`);
  if (s.version !== 1) fail(`version ${JSON.stringify(s.version)} is not supported (this gradnav reads version 1)`);
  if (s.task !== "classification" && s.task !== "regression") fail(`task ${JSON.stringify(s.task)} is not "classification" or "regression"`);
  if (typeof s.target !== "string") fail("target is not a string");
  for (const k of ["classes", "classNames", "missingTokens", "columns"] as const) if (!Array.isArray(s[k])) fail(`${k} is not an array`);
  if (!["standard", "global", "minmax", "none"].includes(s.scaling as string)) fail(`scaling ${JSON.stringify(s.scaling)} is unknown`);
  if (s.missing !== "impute" && s.missing !== "drop") fail(`missing ${JSON.stringify(s.missing)} is unknown`);
  if (s.unknownCategories !== "ignore" && s.unknownCategories !== "error") fail(`unknownCategories ${JSON.stringify(s.unknownCategories)} is unknown`);
  s.columns!.forEach((c, i) => {
    if (typeof c?.name !== "string") fail(`columns[${i}] has no name`);
    if (c.kind === "categorical") {
      if (!Array.isArray(c.categories) || !c.categories.every((x) => typeof x === "string")) fail(`columns[${i}] (${c.name}) has no list of categories`);
    } else if (c.kind === "numeric" || c.kind === "boolean") {
      for (const k of ["fill", "shift", "scale"] as const) if (typeof c[k] !== "number" || !Number.isFinite(c[k])) fail(`columns[${i}] (${c.name}).${k} is not a finite number`);
      if (c.scale === 0) fail(`columns[${i}] (${c.name}).scale is 0`);
      if (typeof c.indicator !== "boolean") fail(`columns[${i}] (${c.name}).indicator is not a boolean`);
    } else fail(`columns[${i}] (${c.name}) has unknown kind ${JSON.stringify((c as { kind?: unknown }).kind)}`);
  });
  return {
    ...(s as PreprocessorSpec),
    targetScale: s.targetScale ?? null,
    imageShape: s.imageShape ?? null,
  };
}
