/** The error for data that cannot be read: it says where (file, line, column) and what to do. */
import { GradnavError } from "../core/errors.js";

/** Where in a file a problem is: any part may be unknown. Lines and columns count from 1. */
export interface DataLocation {
  /** The file name or other label of the input (e.g. "iris.csv", "<string>"). */
  source?: string;
  /** 1-based line in the file (the header is line 1). */
  line?: number;
  /** 1-based field number within the row. */
  column?: number;
  /** The column's name from the header. */
  columnName?: string;
}

function where(loc: DataLocation): string {
  const parts: string[] = [];
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.column !== undefined) parts.push(`column ${loc.column}${loc.columnName !== undefined ? ` (${JSON.stringify(loc.columnName)})` : ""}`);
  else if (loc.columnName !== undefined) parts.push(`column ${JSON.stringify(loc.columnName)}`);
  const at = parts.join(", ");
  return [loc.source ?? "<data>", at].filter((s) => s !== "").join(": ");
}

/**
 * A file or value that cannot be turned into data: an empty or malformed CSV, a missing target column,
 * text in a numeric column, a corrupt IDX file, an unknown dataset name. The message starts with the
 * place (`file: line L, column C ("name"): ...`); the same parts are fields for programs.
 *
 * @example
 * try { gn.data.datasetFromTable(gn.data.parseCsv("a,b\n1,2\n"), { target: "y" }); }
 * catch (e) { if (e instanceof gn.data.DataError) console.log(e.line, e.message); }
 */
export class DataError extends GradnavError {
  readonly source: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly columnName: string | undefined;

  constructor(loc: DataLocation, problem: string) {
    super(`${where(loc)}: ${problem}`);
    this.source = loc.source;
    this.line = loc.line;
    this.column = loc.column;
    this.columnName = loc.columnName;
  }
}
