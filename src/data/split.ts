/**
 * Seeded train/validation/test splits. Stratified: each class (or, for regression, each quantile bin
 * of the target) is divided in the same proportions, so class balance is the same in every split up to
 * rounding. The same key gives the same split on every platform (gn.random is counter-based).
 */
import { ValueError } from "../core/errors.js";
import { type Key, permutation } from "../random/index.js";
import type { Dataset } from "./dataset.js";

/** Row indices (into the dataset), ascending, of each split. */
export interface Split {
  readonly train: Int32Array;
  readonly validation: Int32Array;
  readonly test: Int32Array;
}

/** Sizes of the splits and whether to stratify. */
export interface SplitOptions {
  /** Fraction of rows for validation, in [0, 1) (default 0.15). */
  validation?: number;
  /** Fraction of rows for test, in [0, 1) (default 0.15). */
  test?: number;
  /** Stratum of each row (e.g. its class); omit for a plain random split. */
  strata?: ArrayLike<number>;
}

/** Integer quotas summing to `total`, each near quotas[i] and at most caps[i] (largest remainders get the rest). */
function apportion(quotas: readonly number[], caps: readonly number[], total: number): number[] {
  const out = quotas.map((q, i) => Math.min(Math.floor(q), caps[i]));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = quotas.map((_, i) => i).sort((a, b) => quotas[b] - Math.floor(quotas[b]) - (quotas[a] - Math.floor(quotas[a])) || a - b);
  for (let pass = 0; left > 0 && pass < 2; pass++)
    for (const i of order) {
      if (left === 0) break;
      if (out[i] < caps[i]) {
        out[i]++;
        left--;
      }
    }
  return out;
}

function checkFraction(name: string, f: number): void {
  if (!(f >= 0 && f < 1)) throw new ValueError(`split: ${name} must be a fraction in [0, 1), got ${f}`);
}

/**
 * Splits rows 0..n-1 into train, validation and test sets with the given fractions (rounded to whole
 * rows: validation and test get round(n * fraction) rows), stratified by `strata` when given.
 * Throws a ValueError for fractions outside [0, 1), fractions summing to 1 or more, or an empty train set.
 *
 * @example
 * const s = gn.data.splitRows(10, gn.random.key(0), { validation: 0.2, test: 0.2 });
 * [s.train.length, s.validation.length, s.test.length]; // [6, 2, 2]
 */
export function splitRows(n: number, key: Key, opts: SplitOptions = {}): Split {
  const fVal = opts.validation ?? 0.15;
  const fTest = opts.test ?? 0.15;
  checkFraction("validation", fVal);
  checkFraction("test", fTest);
  if (fVal + fTest >= 1) throw new ValueError(`split: validation + test = ${fVal + fTest} leaves nothing to train on; keep the sum below 1`);
  if (opts.strata !== undefined && opts.strata.length !== n)
    throw new ValueError(`split: strata has ${opts.strata.length} entries for ${n} rows`);

  // Group rows by stratum in shuffled order; each group then gives its first rows to test, the next to validation.
  const perm = permutation(key, n);
  const groupOf = new Map<number, number[]>();
  for (const r of perm) {
    const s = opts.strata === undefined ? 0 : opts.strata[r];
    let g = groupOf.get(s);
    if (g === undefined) groupOf.set(s, (g = []));
    g.push(r);
  }
  const groups = [...groupOf.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  const sizes = groups.map((g) => g.length);
  const nTest = apportion(sizes.map((s) => s * fTest), sizes, Math.round(n * fTest));
  const nVal = apportion(sizes.map((s) => s * fVal), sizes.map((s, i) => s - nTest[i]), Math.round(n * fVal));

  const train: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  groups.forEach((g, i) => {
    test.push(...g.slice(0, nTest[i]));
    validation.push(...g.slice(nTest[i], nTest[i] + nVal[i]));
    train.push(...g.slice(nTest[i] + nVal[i]));
  });
  if (train.length === 0) throw new ValueError(`split: ${n} rows leave no training rows with validation ${fVal} and test ${fTest}`);
  const sorted = (a: number[]): Int32Array => Int32Array.from(a).sort();
  return { train: sorted(train), validation: sorted(validation), test: sorted(test) };
}

/**
 * Quantile bin (0..bins-1) of each value, by rank (ties broken by position), for stratifying a regression target.
 * @example Array.from(gn.data.quantileBins([5, 1, 9, 3], 2)) // [1, 0, 1, 0]
 */
export function quantileBins(values: ArrayLike<number>, bins: number): Int32Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const out = new Int32Array(values.length);
  order.forEach((row, rank) => (out[row] = Math.floor((rank * bins) / values.length)));
  return out;
}

/** Options of `splitDataset`. */
export interface SplitDatasetOptions {
  /** Fraction for validation (default 0.15): of all rows, or of the non-test rows when the dataset's own test set is used. */
  validation?: number;
  /** Fraction for test (default 0.15); ignored when the dataset's own test set is used. */
  test?: number;
  /** Stratify by class (classification) or by quantile bin of the target (regression). Default true. */
  stratify?: boolean;
  /** Quantile bins for stratifying a regression target (default 10). */
  bins?: number;
  /** Use the dataset's official test rows (`testRows`, e.g. MNIST's, Adult's) when it has them. Default true. */
  useOfficialTest?: boolean;
}

/**
 * Seeded, stratified train/validation/test split of a dataset. With `testRows` (MNIST, Adult) the
 * official test set is kept as the test split and validation is drawn from the remaining rows.
 *
 * @example
 * const ds = gn.data.loadDataset("iris");
 * const split = gn.data.splitDataset(ds, gn.random.key(0), { validation: 0.2, test: 0.2 });
 * split.train.length; // 90 (30 of each species)
 */
export function splitDataset(ds: Dataset, key: Key, opts: SplitDatasetOptions = {}): Split {
  const stratify = opts.stratify ?? true;
  const strataOf = (rows: ArrayLike<number>): Int32Array | undefined => {
    if (!stratify) return undefined;
    const labels = Array.from(rows, (r) => ds.labels[r]);
    return ds.task === "classification" ? Int32Array.from(labels) : quantileBins(labels, opts.bins ?? 10);
  };
  if (ds.testRows !== undefined && ds.testRows.length > 0 && (opts.useOfficialTest ?? true)) {
    const isTest = new Uint8Array(ds.rows);
    for (const r of ds.testRows) isTest[r] = 1;
    const rest = Int32Array.from({ length: ds.rows }, (_, i) => i).filter((r) => isTest[r] === 0);
    const inner = splitRows(rest.length, key, { validation: opts.validation, test: 0, strata: strataOf(rest) });
    return { train: inner.train.map((i) => rest[i]), validation: inner.validation.map((i) => rest[i]), test: Int32Array.from(ds.testRows).sort() };
  }
  const all = Int32Array.from({ length: ds.rows }, (_, i) => i);
  return splitRows(ds.rows, key, { validation: opts.validation, test: opts.test, strata: strataOf(all) });
}
