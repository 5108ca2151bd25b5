/** Rows grouped by a column (typically a sensitive one: sex, race, age), and datasets without some columns. */
import { DataError } from "./errors.js";
import type { Dataset } from "./dataset.js";

/** Which group each row is in: `index[i]` is the group of the i-th requested row (-1 when its value is missing). */
export interface Groups {
  /** The column the groups come from. */
  readonly column: string;
  /** Group names, in group-index order. */
  readonly names: readonly string[];
  readonly index: Int32Array;
}

const MAX_NUMERIC_GROUPS = 20;

function findColumn(ds: Dataset, name: string) {
  const col = ds.columns.find((c) => c.name === name);
  if (col === undefined) throw new DataError({ source: ds.source, columnName: name }, `no feature column ${JSON.stringify(name)}; the columns are: ${ds.columns.map((c) => c.name).join(", ")}`);
  return col;
}

/**
 * Groups rows by a column: each category of a categorical column (sorted, over the whole dataset so group
 * numbers agree across splits), false/true for a boolean column, and for a numeric column either its
 * distinct values (at most 20) or, with `threshold`, the two groups `<= threshold` and `> threshold`.
 * Missing values get group -1. Throws a DataError for an unknown column or a numeric column with more
 * than 20 distinct values and no threshold.
 *
 * @example
 * const adult = gn.data.loadDataset("adult");
 * const sex = gn.data.groupsOf(adult, "sex", adult.testRows);          // names ["Female", "Male"]
 * const young = gn.data.groupsOf(adult, "age", adult.testRows, { threshold: 25 }); // ["age <= 25", "age > 25"]
 */
export function groupsOf(ds: Dataset, column: string, rows?: ArrayLike<number>, opts: { threshold?: number } = {}): Groups {
  const col = findColumn(ds, column);
  const list = rows ?? Int32Array.from({ length: ds.rows }, (_, i) => i);
  const index = new Int32Array(list.length);
  if (col.kind === "categorical") {
    const names = [...new Set(col.values.filter((v): v is string => v !== null))].sort();
    const at = new Map(names.map((n, i) => [n, i]));
    for (let i = 0; i < list.length; i++) {
      const v = col.values[list[i]];
      index[i] = v === null ? -1 : at.get(v)!;
    }
    return { column, names, index };
  }
  const v = (i: number) => col.values[list[i]];
  if (opts.threshold !== undefined) {
    const t = opts.threshold;
    for (let i = 0; i < list.length; i++) index[i] = Number.isNaN(v(i)) ? -1 : v(i) > t ? 1 : 0;
    return { column, names: [`${column} <= ${t}`, `${column} > ${t}`], index };
  }
  if (col.kind === "boolean") {
    for (let i = 0; i < list.length; i++) index[i] = Number.isNaN(v(i)) ? -1 : v(i);
    return { column, names: ["false", "true"], index };
  }
  const distinct = [...new Set(Array.from(col.values).filter((x) => !Number.isNaN(x)))].sort((a, b) => a - b);
  if (distinct.length > MAX_NUMERIC_GROUPS)
    throw new DataError({ source: ds.source, columnName: column }, `the numeric column has ${distinct.length} distinct values; pass a threshold to split it into two groups (e.g. { threshold: 25 })`);
  const at = new Map(distinct.map((x, i) => [x, i]));
  for (let i = 0; i < list.length; i++) index[i] = Number.isNaN(v(i)) ? -1 : at.get(v(i))!;
  return { column, names: distinct.map(String), index };
}

/**
 * The dataset without some feature columns (e.g. to train without the sensitive attributes, then
 * audit with `groupsOf` on the original). Throws a DataError for a name that is not a feature column.
 * @example const blind = gn.data.dropColumns(gn.data.loadDataset("german-credit"), ["sex", "personal_status_sex"]);
 */
export function dropColumns(ds: Dataset, names: readonly string[]): Dataset {
  for (const n of names) findColumn(ds, n);
  return { ...ds, columns: ds.columns.filter((c) => !names.includes(c.name)), sensitive: ds.sensitive.filter((s) => !names.includes(s)) };
}
