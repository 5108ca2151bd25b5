/**
 * Groups of rows defined by sensitive features: one column (sex), or the intersection of several
 * (sex × race), with every row assigned to exactly one group.
 */
import { ValueError } from "../../core/errors.js";

/** A value of a sensitive feature; null, undefined, NaN and "" are missing and form the group "<missing>". */
export type SensitiveValue = string | number | boolean | null | undefined;

/** Sensitive feature columns by name, each with one value per row. */
export type SensitiveColumns = Record<string, ArrayLike<SensitiveValue>>;

/**
 * A partition of the rows into named groups.
 * @example
 * const g = gn.fairness.groupBy({ sex: ["F", "M", "F"] });
 * g.names; // ["F", "M"]
 * g.index; // Int32Array [0, 1, 0]
 */
export interface Groups {
  /** What the groups split, e.g. "sex" or "sex & race". */
  attribute: string;
  /** Group names in index order, e.g. "Female" or "sex=Female & race=Black" for intersections. */
  names: string[];
  /** The group of each row, an index into `names`. */
  index: Int32Array;
  /** Rows per group. */
  counts: Int32Array;
}

const MISSING = "<missing>";

function label(v: SensitiveValue): string {
  if (v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v))) return MISSING;
  return String(v);
}

/** A sort key for numbers and for the interval labels of `binValues` ("<a", "[a, b)", ">=b"). */
function numericKey(s: string): [number, number] | null {
  const t = s.trim();
  if (t !== "" && Number.isFinite(Number(t))) return [Number(t), 1];
  let m = /^<(-?[0-9.eE+-]+)$/.exec(t);
  if (m && Number.isFinite(Number(m[1]))) return [Number(m[1]), 0];
  m = /^\[(-?[0-9.eE+-]+),/.exec(t) ?? /^>=(-?[0-9.eE+-]+)$/.exec(t);
  if (m && Number.isFinite(Number(m[1]))) return [Number(m[1]), 1];
  return null;
}

function compareNames(a: string, b: string): number {
  if (a === MISSING || b === MISSING) return a === b ? 0 : a === MISSING ? 1 : -1;
  const ka = numericKey(a);
  const kb = numericKey(b);
  if (ka && kb) return ka[0] - kb[0] || ka[1] - kb[1];
  if (ka || kb) return ka ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Groups rows by one sensitive column, or by the intersection of several (every combination that
 * occurs is a group, named "a=x & b=y"). Group names are sorted (numbers numerically, interval
 * labels from `binValues` by their bounds); missing values form a group "<missing>" at the end.
 * `attributes` picks and orders the columns (default: all of `columns`, in key order).
 * @example
 * const g = gn.fairness.groupBy({ sex: ["F", "M", "M"], race: ["A", "A", "B"] });
 * g.names; // ["sex=F & race=A", "sex=M & race=A", "sex=M & race=B"]
 */
export function groupBy(columns: SensitiveColumns, attributes?: readonly string[]): Groups {
  const attrs = attributes ?? Object.keys(columns);
  if (attrs.length === 0) throw new ValueError("fairness.groupBy: no sensitive columns given");
  const cols = attrs.map((a) => {
    const c = columns[a];
    if (c === undefined) throw new ValueError(`fairness.groupBy: no sensitive column "${a}"; the columns are: ${Object.keys(columns).join(", ")}`);
    return c;
  });
  const n = cols[0].length;
  cols.forEach((c, j) => {
    if (c.length !== n) throw new ValueError(`fairness.groupBy: column "${attrs[j]}" has ${c.length} values but "${attrs[0]}" has ${n}; every column needs one value per row`);
  });
  const single = attrs.length === 1;
  // Each column's values are sorted on their own, then combinations ordered by those ranks.
  const levels = cols.map((c) => {
    const set = new Set<string>();
    for (let i = 0; i < n; i++) set.add(label(c[i]));
    return [...set].sort(compareNames);
  });
  const rank = levels.map((l) => new Map(l.map((v, i) => [v, i])));
  const keyOf = new Map<string, number[]>();
  const rowKeys: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = cols.map((c, j) => rank[j].get(label(c[i]))!);
    const k = r.join(",");
    rowKeys[i] = k;
    if (!keyOf.has(k)) keyOf.set(k, r);
  }
  const combos = [...keyOf.entries()].sort((a, b) => {
    for (let j = 0; j < a[1].length; j++) if (a[1][j] !== b[1][j]) return a[1][j] - b[1][j];
    return 0;
  });
  const id = new Map(combos.map(([k], i) => [k, i]));
  const names = combos.map(([, r]) => (single ? levels[0][r[0]] : r.map((v, j) => `${attrs[j]}=${levels[j][v]}`).join(" & ")));
  const index = new Int32Array(n);
  const counts = new Int32Array(names.length);
  for (let i = 0; i < n; i++) {
    index[i] = id.get(rowKeys[i])!;
    counts[index[i]]++;
  }
  return { attribute: attrs.join(" & "), names, index, counts };
}

/**
 * The groupings a fairness report looks at: each column on its own, then (with `intersections`,
 * default true, and more than one column) the intersection of all of them.
 * @example
 * gn.fairness.groupings({ sex: ["F", "M"], race: ["A", "B"] }).map((g) => g.attribute); // ["sex", "race", "sex & race"]
 */
export function groupings(columns: SensitiveColumns, opts: { intersections?: boolean } = {}): Groups[] {
  const attrs = Object.keys(columns);
  const out = attrs.map((a) => groupBy(columns, [a]));
  if ((opts.intersections ?? true) && attrs.length > 1) out.push(groupBy(columns, attrs));
  return out;
}

/**
 * Bins a numeric column into labelled half-open intervals at the given edges (for grouping by age,
 * say). Missing values (null, NaN) stay missing.
 * @example gn.fairness.binValues([19, 40, 70], [25, 65]) // ["<25", "[25, 65)", ">=65"]
 */
export function binValues(values: ArrayLike<number | null | undefined>, edges: readonly number[]): (string | null)[] {
  for (let j = 1; j < edges.length; j++)
    if (!(edges[j] > edges[j - 1])) throw new ValueError(`fairness.binValues: edges must increase, got [${edges.join(", ")}]`);
  if (edges.length === 0) throw new ValueError("fairness.binValues: give at least one edge");
  const out: (string | null)[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || Number.isNaN(v)) {
      out.push(null);
      continue;
    }
    let j = 0;
    while (j < edges.length && v >= edges[j]) j++;
    out.push(j === 0 ? `<${edges[0]}` : j === edges.length ? `>=${edges[j - 1]}` : `[${edges[j - 1]}, ${edges[j]})`);
  }
  return out;
}
