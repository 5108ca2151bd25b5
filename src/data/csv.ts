/**
 * CSV text to a table of strings, with the source line of every row (csv-parse does the parsing:
 * quotes, embedded newlines, CRLF, a UTF-8 byte-order mark). Types are decided later (schema.ts).
 */
import { parse } from "csv-parse/browser/esm/sync";
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

interface ParsedRecord {
  record: string[];
  info: { bytes: number };
}

/**
 * The 1-based line on which each record starts. csv-parse reports each record's end as a UTF-8 byte
 * offset (its own line counter counts a CRLF inside quotes twice), so lines are counted here: from the
 * end of the previous record, skip blank space, and count CRLF, LF and lone CR once each.
 */
function recordLines(text: string, records: readonly ParsedRecord[]): number[] {
  const bytes = new TextEncoder().encode(text);
  let pos = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let line = 1;
  const step = (): void => {
    const c = bytes[pos];
    if (c === 10 || (c === 13 && bytes[pos + 1] !== 10)) line++;
    pos++;
  };
  const out: number[] = [];
  let end = 0;
  for (const r of records) {
    while (pos < end) step();
    while (pos < bytes.length && (bytes[pos] === 32 || bytes[pos] === 9 || bytes[pos] === 10 || bytes[pos] === 13)) step();
    out.push(line);
    end = r.info.bytes;
  }
  return out;
}

/**
 * Parses CSV text (or UTF-8 bytes, gunzipped first if they are gzip and the host is Node) with a header
 * row. Fields are trimmed; blank lines are skipped.
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
  if (text.trim() === "" || text.replace(/^\uFEFF/, "").trim() === "") throw new DataError({ source }, "the file is empty: expected a header row of column names, then data rows");

  let records: ParsedRecord[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: opts.delimiter ?? ",",
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as ParsedRecord[];
  } catch (e) {
    const err = e as { code?: string; lines?: number; message: string };
    const why = err.code === "CSV_QUOTE_NOT_CLOSED" ? "a quoted field is never closed (a \" is missing)" : err.message;
    // csv-parse's line count is off by one per CRLF inside quotes; close enough to point at the problem.
    throw new DataError({ source, line: err.lines }, `cannot parse the CSV: ${why}`);
  }
  if (records.length === 0) throw new DataError({ source }, "the file is empty: expected a header row of column names, then data rows");

  const starts = recordLines(text, records);
  const headerRec = records[0];
  const headerLine = starts[0];
  const header = headerRec.record;
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
    if (rec.record.length !== header.length) {
      const got = rec.record.length;
      const column = got < header.length ? got + 1 : header.length + 1;
      const hint = got < header.length ? `column ${column} (${JSON.stringify(header[column - 1])}) onwards is missing` : `the extra fields start at column ${column}`;
      throw new DataError(
        { source, line, column },
        `ragged row: expected ${header.length} fields (as in the header on line ${headerLine}), got ${got}; ${hint}. Check for a missing or extra delimiter, or quote fields that contain one`,
      );
    }
    rows.push(rec.record);
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
