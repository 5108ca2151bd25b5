/**
 * Schema inference: which CSV columns are numeric, boolean or categorical, and which strings mean
 * "missing". Rules (documented in docs/data.md):
 * - a value is missing if it is one of the missing tokens (default: empty, "?", "NA", "N/A", "NaN",
 *   "nan", "null", "NULL", "None");
 * - numeric: every other value is a decimal number (`12`, `-3.5`, `.5`, `1e-3`); "inf"/"Infinity" count as
 *   numbers here but are rejected when the column is read;
 * - boolean: every other value is true/false or yes/no (any case);
 * - categorical: anything else. If most (at least half) of a column's values are numbers and some are
 *   not, that is taken as text in a numeric column and reported as an error, unless the column is
 *   declared categorical.
 */

/** How a column is read: numbers, 0/1 flags, or categories to one-hot encode. */
export type ColumnKind = "numeric" | "categorical" | "boolean";

/**
 * The strings read as a missing value unless other tokens are given.
 * @example gn.data.readCsv("a.csv", { missingTokens: [...gn.data.DEFAULT_MISSING_TOKENS, "-999"] })
 */
export const DEFAULT_MISSING_TOKENS: readonly string[] = ["", "?", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"];

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(inf|infinity)$/i;

/**
 * The number a CSV field holds, or `undefined` if it is not a plain decimal number. Hex, thousands
 * separators and surrounding text are not numbers. "inf"/"Infinity" (any case, optional sign) give ±Infinity.
 * @example gn.data.parseNumber("1e-3") // 0.001
 * @example gn.data.parseNumber("12kg") // undefined
 */
export function parseNumber(s: string): number | undefined {
  if (NUMBER.test(s)) return Number(s);
  if (INFINITY.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  return undefined;
}

const TRUE_WORDS = new Set(["true", "yes"]);
const FALSE_WORDS = new Set(["false", "no"]);

/**
 * 1 for true/yes, 0 for false/no (any case), else `undefined`.
 * @example gn.data.parseBoolean("Yes") // 1
 */
export function parseBoolean(s: string): 0 | 1 | undefined {
  const l = s.toLowerCase();
  if (TRUE_WORDS.has(l)) return 1;
  if (FALSE_WORDS.has(l)) return 0;
  return undefined;
}

/** What inference found for one column. */
export interface InferredColumn {
  kind: ColumnKind;
  /** Count of non-missing values. */
  present: number;
  /** Count of non-missing values that are numbers. */
  numeric: number;
  /** Row index of the first non-missing value that is not a number (-1 if none). */
  firstText: number;
}

/**
 * Infers a column's kind from its values (see the module rules). `kind` is "numeric" for a column that
 * is mostly numbers with some text: the caller reports that text as an error.
 * @example gn.data.inferColumn(["1", "2", ""], new Set([""])).kind // "numeric"
 */
export function inferColumn(values: readonly string[], missing: ReadonlySet<string>): InferredColumn {
  let present = 0;
  let numeric = 0;
  let boolean = 0;
  let firstText = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (missing.has(v)) continue;
    present++;
    if (parseNumber(v) !== undefined) numeric++;
    else {
      if (firstText < 0) firstText = i;
      if (parseBoolean(v) !== undefined) boolean++;
    }
  }
  let kind: ColumnKind;
  if (present === 0) kind = "numeric"; // all missing: nothing to learn, read as NaN
  else if (numeric === present) kind = "numeric";
  else if (boolean === present) kind = "boolean";
  else if (2 * numeric >= present) kind = "numeric";
  else kind = "categorical";
  return { kind, present, numeric, firstText };
}
