/**
 * A dataset: typed feature columns (not yet scaled or one-hot encoded), labels, and what they mean.
 * Preprocessing is fitted later on the training rows only (preprocess.ts), so nothing here looks at
 * which rows will be used for what.
 */
import { DataError } from "./errors.js";
import { type CsvOptions, type CsvTable, readCsvTable } from "./csv.js";
import { type ColumnKind, DEFAULT_MISSING_TOKENS, inferColumn, parseBoolean, parseNumber } from "./schema.js";

/** What the labels are: class indices or real values. */
export type Task = "classification" | "regression";

/** A numeric or boolean (0/1) feature column; NaN marks a missing value. */
export interface NumericColumn {
  readonly name: string;
  readonly kind: "numeric" | "boolean";
  readonly values: ArrayLike<number>;
}

/** A categorical feature column; null marks a missing value. */
export interface CategoricalColumn {
  readonly name: string;
  readonly kind: "categorical";
  readonly values: readonly (string | null)[];
}

/** One feature column of a dataset. */
export type Column = NumericColumn | CategoricalColumn;

/**
 * Rows of raw features with their labels. Built by `datasetFromTable`, `readCsv` or `loadDataset`;
 * turned into tensors by `prepare` (or `splitDataset` + `fitPreprocessor` + `transform`).
 */
export interface Dataset {
  /** Dataset name (built-in name or file path). */
  readonly name: string;
  readonly task: Task;
  /** Number of rows (examples). */
  readonly rows: number;
  /** Feature columns, in file order, each with `rows` values. */
  readonly columns: readonly Column[];
  /** Name of the target column. */
  readonly target: string;
  /** Per row: the class index into `classNames` (classification, Int32Array) or the value (regression, Float64Array). */
  readonly labels: Int32Array | Float64Array;
  /** Class values as they appear in the file, in class-index order (classification; empty for regression). */
  readonly classes: readonly string[];
  /** Readable class names, same order as `classes` (e.g. "malignant" for "0"). */
  readonly classNames: readonly string[];
  /** Feature columns that are sensitive attributes (e.g. sex, race, age) for fairness analyses. */
  readonly sensitive: readonly string[];
  /** Where the rows came from (for error messages). */
  readonly source: string;
  /** The 1-based file line of each row, when read from a CSV. */
  readonly lines?: Int32Array;
  /** Rows of the dataset's official test set, when it has one (MNIST, Adult); `splitDataset` uses it. */
  readonly testRows?: Int32Array;
  /** For images: the features are pixels in row-major order of this [height, width]. */
  readonly imageShape?: readonly [number, number];
  /** Rows dropped when reading because the target was missing. */
  readonly droppedRows: number;
  /** The strings that were read as missing values. */
  readonly missingTokens: readonly string[];
}

/** Options for turning a CSV table into a dataset. */
export interface DatasetOptions {
  /** The target column (default: the last column). */
  target?: string;
  /** Classification or regression (default: classification when the target is text/boolean, or whole numbers with at most 20 distinct values). */
  task?: Task;
  /** Feature columns to use (default: all but the target and `exclude`). */
  features?: readonly string[];
  /** Columns to leave out (e.g. an ID or a copy of the label). */
  exclude?: readonly string[];
  /** Force a column's kind, overriding inference (e.g. `{ zip: "categorical" }`). */
  kinds?: Readonly<Record<string, ColumnKind>>;
  /** Strings that mean "missing" (default DEFAULT_MISSING_TOKENS). */
  missingTokens?: readonly string[];
  /** Class values in index order (default: sorted, numerically when they are numbers). A target value not listed is an error. */
  classes?: readonly string[];
  /** Readable names for `classes` (default: the class values). */
  classNames?: readonly string[];
  /** Sensitive feature columns (must be feature columns). */
  sensitive?: readonly string[];
  /** Dataset name (default: the table's source). */
  name?: string;
  /** The rows of an official test set, if the table has one. */
  testRows?: Int32Array;
}

const MAX_INFERRED_CLASSES = 20;

function columnIndex(table: CsvTable, name: string, role: string): number {
  const i = table.header.indexOf(name);
  if (i < 0)
    throw new DataError(
      { source: table.source, line: table.headerLine },
      `no ${role} column ${JSON.stringify(name)}; the columns are: ${table.header.join(", ")}. Pass one of these as ${role}`,
    );
  return i;
}

function textInNumericError(table: CsvTable, row: number, col: number, present: number, numeric: number): DataError {
  const name = table.header[col];
  return new DataError(
    { source: table.source, line: table.lines[row], column: col + 1, columnName: name },
    `text ${JSON.stringify(table.rows[row][col])} in a numeric column (${numeric} of ${present} values are numbers). ` +
      `Fix the value, add it to missingTokens to read it as missing, or declare the column categorical with kinds: { ${JSON.stringify(name)}: "categorical" }`,
  );
}

/** Reads one column as numbers (NaN for missing); text and infinities throw, naming line and column. */
function numericValues(table: CsvTable, col: number, missing: ReadonlySet<string>, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    const s = table.rows[r][col];
    if (missing.has(s)) {
      out[i] = NaN;
      return;
    }
    const v = parseNumber(s);
    if (v === undefined) {
      const info = inferColumn(rows.map((k) => table.rows[k][col]), missing);
      throw textInNumericError(table, r, col, info.present, info.numeric);
    }
    if (!Number.isFinite(v))
      throw new DataError(
        { source: table.source, line: table.lines[r], column: col + 1, columnName: table.header[col] },
        `infinite value ${JSON.stringify(s)}: features and targets must be finite. Replace it, or add it to missingTokens to read it as missing`,
      );
    out[i] = v;
  });
  return out;
}

function booleanValues(table: CsvTable, col: number, missing: ReadonlySet<string>, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    const s = table.rows[r][col];
    if (missing.has(s)) {
      out[i] = NaN;
      return;
    }
    const v = parseBoolean(s) ?? parseNumber(s);
    if (v !== 0 && v !== 1)
      throw new DataError(
        { source: table.source, line: table.lines[r], column: col + 1, columnName: table.header[col] },
        `${JSON.stringify(s)} in a boolean column: expected true/false, yes/no or 1/0 (or declare the column categorical)`,
      );
    out[i] = v;
  });
  return out;
}

function sortClasses(values: Iterable<string>): string[] {
  const all = [...values];
  if (all.every((v) => parseNumber(v) !== undefined)) return all.sort((a, b) => parseNumber(a)! - parseNumber(b)!);
  return all.sort();
}

/** Canonical form of a class value: "1.0" and "1" are the same class. */
function classKey(s: string): string {
  const v = parseNumber(s);
  return v === undefined ? s : String(v);
}

/**
 * Reads the named columns of a table as typed feature columns (kinds inferred unless given), for the
 * given rows (default all). Throws a DataError for a missing column (listing the columns), text in a
 * numeric column, an infinite value, or a non-boolean value in a boolean column.
 * @example
 * const t = gn.data.parseCsv("a,b\n1,x\n2,y\n");
 * gn.data.featureColumns(t, ["a", "b"]).map((c) => c.kind); // ["numeric", "categorical"]
 */
export function featureColumns(
  table: CsvTable,
  names: readonly string[],
  opts: { kinds?: Readonly<Record<string, ColumnKind>>; missingTokens?: readonly string[] } = {},
  rows: readonly number[] = table.rows.map((_, i) => i),
): Column[] {
  const missing = new Set(opts.missingTokens ?? DEFAULT_MISSING_TOKENS);
  return names.map((name) => {
    const c = columnIndex(table, name, "feature");
    const values = rows.map((r) => table.rows[r][c]);
    let kind = opts.kinds?.[name];
    if (kind === undefined) {
      const info = inferColumn(values, missing);
      kind = info.kind;
      if (kind === "numeric" && info.firstText >= 0) throw textInNumericError(table, rows[info.firstText], c, info.present, info.numeric);
    }
    if (kind === "numeric") return { name, kind, values: numericValues(table, c, missing, rows) };
    if (kind === "boolean") return { name, kind, values: booleanValues(table, c, missing, rows) };
    return { name, kind, values: values.map((v) => (missing.has(v) ? null : v)) };
  });
}

/** Row numbers of the table -> row numbers of the dataset, for the rows that were kept. */
function remapRows(rows: Int32Array, keep: readonly number[], tableRows: number): Int32Array {
  const newIndex = new Int32Array(tableRows).fill(-1);
  keep.forEach((r, i) => (newIndex[r] = i));
  return Int32Array.from(Array.from(rows, (r) => newIndex[r]).filter((i) => i >= 0));
}

/**
 * Types a CSV table into a dataset: infers each column's kind (schema.ts), reads missing values as
 * NaN/null, and encodes the target. Rows whose target is missing are dropped (counted in `droppedRows`).
 *
 * Throws a DataError naming file, line and column for: a target or feature column that does not exist
 * (listing the columns), text in a numeric column, an infinite value, a class not in `classes`, a
 * regression target that is not a number; and when no rows are left.
 *
 * @example
 * const table = gn.data.parseCsv("x,color,y\n1,red,a\n2,,b\n3,blue,a\n");
 * const ds = gn.data.datasetFromTable(table, { target: "y" });
 * ds.columns.map((c) => c.kind); // ["numeric", "categorical"]
 * ds.classNames;                 // ["a", "b"]
 * Array.from(ds.labels);         // [0, 1, 0]
 */
export function datasetFromTable(table: CsvTable, opts: DatasetOptions = {}): Dataset {
  const missing = new Set(opts.missingTokens ?? DEFAULT_MISSING_TOKENS);
  const target = opts.target ?? table.header[table.header.length - 1];
  const targetCol = columnIndex(table, target, "target");
  for (const name of opts.exclude ?? []) columnIndex(table, name, "excluded");
  for (const name of Object.keys(opts.kinds ?? {})) columnIndex(table, name, "kinds");
  const featureNames = opts.features ?? table.header.filter((h) => h !== target && !(opts.exclude ?? []).includes(h));
  const featureCols = featureNames.map((n) => columnIndex(table, n, "feature"));
  if (featureCols.includes(targetCol)) throw new DataError({ source: table.source, columnName: target }, "the target column is also listed as a feature");

  // Rows with a missing target carry no label: drop them.
  const keep: number[] = [];
  for (let r = 0; r < table.rows.length; r++) if (!missing.has(table.rows[r][targetCol])) keep.push(r);
  if (keep.length === 0) throw new DataError({ source: table.source, columnName: target }, "every row's target is missing; nothing to learn from");

  const targetValues = keep.map((r) => table.rows[r][targetCol]);
  const targetInfo = inferColumn(targetValues, new Set());
  let task = opts.task;
  if (task === undefined) {
    if (targetInfo.kind !== "numeric" || opts.classes !== undefined) task = "classification";
    else if (targetInfo.firstText >= 0) throw textInNumericError(table, keep[targetInfo.firstText], targetCol, targetInfo.present, targetInfo.numeric);
    else {
      const distinct = new Set(targetValues.map(classKey));
      const whole = targetValues.every((v) => Number.isInteger(parseNumber(v)));
      task = whole && distinct.size <= MAX_INFERRED_CLASSES ? "classification" : "regression";
    }
  }

  let labels: Int32Array | Float64Array;
  let classes: string[] = [];
  if (task === "classification") {
    classes = opts.classes ? [...opts.classes] : sortClasses(new Set(targetValues.map(classKey)));
    const index = new Map(classes.map((c, i) => [classKey(c), i]));
    labels = new Int32Array(keep.length);
    keep.forEach((r, i) => {
      const k = index.get(classKey(table.rows[r][targetCol]));
      if (k === undefined)
        throw new DataError(
          { source: table.source, line: table.lines[r], column: targetCol + 1, columnName: target },
          `class ${JSON.stringify(table.rows[r][targetCol])} is not one of the known classes (${classes.join(", ")})`,
        );
      labels[i] = k;
    });
  } else {
    labels = numericValues(table, targetCol, new Set(), keep);
  }
  const classNames = opts.classNames ? [...opts.classNames] : classes;
  if (classNames.length !== classes.length)
    throw new DataError({ source: table.source, columnName: target }, `classNames has ${classNames.length} names for ${classes.length} classes (${classes.join(", ")})`);

  const columns = featureColumns(table, featureNames, { kinds: opts.kinds, missingTokens: opts.missingTokens }, keep);

  const sensitive = [...(opts.sensitive ?? [])];
  for (const s of sensitive)
    if (!featureNames.includes(s)) throw new DataError({ source: table.source, columnName: s }, `sensitive column ${JSON.stringify(s)} is not a feature column (features: ${featureNames.join(", ")})`);

  return {
    name: opts.name ?? table.source,
    task,
    rows: keep.length,
    columns,
    target,
    labels,
    classes,
    classNames,
    sensitive,
    source: table.source,
    lines: Int32Array.from(keep, (r) => table.lines[r]),
    testRows: opts.testRows && remapRows(opts.testRows, keep, table.rows.length),
    droppedRows: table.rows.length - keep.length,
    missingTokens: [...missing],
  };
}

/**
 * Reads a CSV file (Node only; `.gz` is gunzipped) into a dataset: `readCsvTable` then `datasetFromTable`.
 * @example const ds = gn.data.readCsv("data/houses.csv", { target: "price", task: "regression" });
 */
export function readCsv(path: string, opts: DatasetOptions & CsvOptions = {}): Dataset {
  return datasetFromTable(readCsvTable(path, opts), opts);
}
