/**
 * CSV text to a table of strings, with the source line of every row. Papa Parse does the parsing
 * (quotes, delimiters and line breaks inside quotes, CRLF / LF / CR line ends); types are decided
 * later (schema.ts).
 */
import Papa from "papaparse";
import { DataError } from "./errors.js";
import { gunzip, isGzip, readFileBytes } from "./host.js";

/** A parsed CSV file: header names, rows of trimmed strings, and the line each row starts on. */
export interface CsvTable {
  /** File name or label used in error messages. */
  readonly source: string;
  /** Column names from the header row (line 1 unless blank lines come first). */
  readonly header: readonly string[];
  /** 1-based line of the header row. */
  readonly headerLine: number;
  /** Data rows, each with exactly `header.length` fields. */
  readonly rows: readonly (readonly string[])[];
  /** `lines[i]` is the 1-based line in the file where `rows[i]` starts. */
  readonly lines: readonly number[];
}

/** Options for `parseCsv` and `readCsvTable`. */
export interface CsvOptions {
  /** Label for error messages (default "<string>", or the path for files). */
  source?: string;
  /** Field separator (default ","). */
  delimiter?: string;
}

/** Advances through the text counting line breaks (CRLF, LF and lone CR count once each). */
class LineCounter {
  private pos = 0;
  line = 1;
  constructor(private readonly text: string) {}

  private step(): void {
    const c = this.text.charCodeAt(this.pos);
    if (c === 10 || (c === 13 && this.text.charCodeAt(this.pos + 1) !== 10)) this.line++;
    this.pos++;
  }

  /** Moves to `end`, then past blank space (skipped blank lines); returns the line reached. */
  startAfter(end: number): number {
    while (this.pos < end) this.step();
    for (let c = this.text.charCodeAt(this.pos); c === 32 || c === 9 || c === 10 || c === 13; c = this.text.charCodeAt(this.pos)) this.step();
    return this.line;
  }
}

/**
 * Parses CSV text (or UTF-8 bytes, gunzipped first if they are gzip and the host is Node) with a header
 * row. A UTF-8 byte-order mark is dropped, fields are trimmed of surrounding space, blank lines are skipped.
 *
 * Throws a DataError naming the source, line and column for: an empty input (no header), a header with
 * no data rows, an empty or repeated column name, a row with too few or too many fields, an unclosed quote.
 *
 * @example
 * const t = gn.data.parseCsv("x,label\n1.5,a\n2.5,b\n");
 * t.header; // ["x", "label"]
 * t.rows;   // [["1.5", "a"], ["2.5", "b"]]
 * t.lines;  // [2, 3]
 */
export function parseCsv(input: string | Uint8Array, opts: CsvOptions = {}): CsvTable {
  const source = opts.source ?? "<string>";
  let text: string;
  if (typeof input === "string") text = input;
  else text = new TextDecoder("utf-8").decode(isGzip(input) ? gunzip(input, source) : input);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") throw new DataError({ source }, "the file is empty: expected a header row of column names, then data rows");

  // Each row's start line: count line breaks from the end of the previous row (Papa's cursor).
  const counter = new LineCounter(text);
  const records: string[][] = [];
  const starts: number[] = [];
  let end = 0;
  Papa.parse<string[]>(text, {
    delimiter: opts.delimiter ?? ",",
    skipEmptyLines: "greedy",
    step: (result) => {
      const line = counter.startAfter(end);
      end = result.meta.cursor;
      const err = result.errors[0];
      if (err !== undefined) {
        const why = err.code === "MissingQuotes" ? "a quoted field is never closed (a \" is missing)" : err.code === "InvalidQuotes" ? "a quoted field has text after its closing quote" : err.message;
        throw new DataError({ source, line }, `cannot parse the CSV: ${why}`);
      }
      records.push(result.data.map((f) => f.trim()));
      starts.push(line);
    },
  });
  if (records.length === 0) throw new DataError({ source }, "the file is empty: expected a header row of column names, then data rows");

  const headerLine = starts[0];
  const header = records[0];
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === "") throw new DataError({ source, line: headerLine, column: i + 1 }, "the header has an empty column name; every column needs a name");
    const prev = seen.get(name);
    if (prev !== undefined)
      throw new DataError({ source, line: headerLine, column: i + 1, columnName: name }, `the column name is repeated (also column ${prev + 1}); column names must be unique`);
    seen.set(name, i);
  });
  if (records.length === 1) throw new DataError({ source, line: headerLine }, "the file has a header but no data rows");

  const rows: string[][] = [];
  const lines: number[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    const line = starts[r];
    if (rec.length !== header.length) {
      const got = rec.length;
      const column = got < header.length ? got + 1 : header.length + 1;
      const hint = got < header.length ? `column ${column} (${JSON.stringify(header[column - 1])}) onwards is missing` : `the extra fields start at column ${column}`;
      throw new DataError(
        { source, line, column },
        `ragged row: expected ${header.length} fields (as in the header on line ${headerLine}), got ${got}; ${hint}. Check for a missing or extra delimiter, or quote fields that contain one`,
      );
    }
    rows.push(rec);
    lines.push(line);
  }
  return { source, header, headerLine, rows, lines };
}

/**
 * Reads and parses a CSV file (Node only); `.gz` files are gunzipped. Same errors as `parseCsv`, plus
 * a DataError when the file does not exist.
 * @example const t = gn.data.readCsvTable("data/train.csv");
 */
export function readCsvTable(path: string, opts: CsvOptions = {}): CsvTable {
  return parseCsv(readFileBytes(path), { ...opts, source: opts.source ?? path });
}
