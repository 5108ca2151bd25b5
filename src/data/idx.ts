/**
 * The IDX format of MNIST: a 4-byte magic number (two zero bytes, a type code, the number of
 * dimensions), one big-endian uint32 per dimension, then the values, big-endian, row-major.
 */
import { DataError } from "./errors.js";
import { gunzip, isGzip, readFileBytes } from "./host.js";

/** Element types of IDX files, by type code. */
const IDX_TYPES = {
  0x08: { name: "uint8", bytes: 1 },
  0x09: { name: "int8", bytes: 1 },
  0x0b: { name: "int16", bytes: 2 },
  0x0c: { name: "int32", bytes: 4 },
  0x0d: { name: "float32", bytes: 4 },
  0x0e: { name: "float64", bytes: 8 },
} as const;

/** The element type of an IDX file. */
export type IdxType = (typeof IDX_TYPES)[keyof typeof IDX_TYPES]["name"];

/** An IDX file's contents: magic number, shape and values (row-major, host byte order). */
export interface IdxArray {
  /** The 32-bit magic number (2051 for MNIST images, 2049 for labels). */
  readonly magic: number;
  readonly type: IdxType;
  readonly shape: readonly number[];
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/**
 * Parses IDX bytes (gunzipped first when they are gzip and the host is Node).
 *
 * Throws a DataError naming the source and byte offset when the magic number is wrong (not IDX, or
 * still compressed), the type code is unknown, the header is cut short, or the data is shorter or
 * longer than the dimensions say.
 *
 * @example
 * // A 1-d uint8 IDX file holding [7, 2]:
 * const idx = gn.data.parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 2]));
 * idx.shape;            // [2]
 * Array.from(idx.data); // [7, 2]
 */
export function parseIdx(input: Uint8Array, opts: { source?: string } = {}): IdxArray {
  const source = opts.source ?? "<bytes>";
  const bytes = isGzip(input) ? gunzip(input, source) : input;
  if (bytes.length < 4) throw new DataError({ source }, `the file has ${bytes.length} bytes, too short for an IDX header (at least 4)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const typeCode = bytes[2];
  const ndim = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw new DataError(
      { source },
      `bad magic number 0x${magic.toString(16).padStart(8, "0")} at byte 0: an IDX file starts with two zero bytes, a type code and a dimension count (MNIST images 0x00000803 = 2051, labels 0x00000801 = 2049). Is this an IDX file?`,
    );
  const type = IDX_TYPES[typeCode as keyof typeof IDX_TYPES];
  if (type === undefined)
    throw new DataError({ source }, `unknown IDX type code 0x${typeCode.toString(16).padStart(2, "0")} at byte 2 (known: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`);
  if (ndim === 0) throw new DataError({ source }, "the IDX header declares 0 dimensions (byte 3); expected at least 1");
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) throw new DataError({ source }, `the IDX header is cut short: ${ndim} dimensions need ${headerBytes} header bytes, the file has ${bytes.length}`);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected)
    throw new DataError(
      { source },
      `the IDX header says shape [${shape.join(", ")}] of ${type.name} (${count * type.bytes} bytes after the ${headerBytes}-byte header, ${expected} in all) but the file has ${bytes.length} bytes: ${bytes.length < expected ? "it is truncated" : "it has trailing bytes"}`,
    );
  const data = decode(type.name, view, headerBytes, count);
  return { magic, type: type.name, shape, data };
}

function decode(type: IdxType, view: DataView, offset: number, count: number): IdxArray["data"] {
  switch (type) {
    case "uint8":
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case "int8":
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case "int16": {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i);
      return out;
    }
    case "int32": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i);
      return out;
    }
    case "float32": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i);
      return out;
    }
    case "float64": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i);
      return out;
    }
  }
}

/**
 * Reads an IDX file (Node only; `.gz` is gunzipped). Same errors as `parseIdx`, plus a missing file.
 * @example const images = gn.data.readIdx("t10k-images-idx3-ubyte.gz"); // shape [10000, 28, 28]
 */
export function readIdx(path: string): IdxArray {
  return parseIdx(readFileBytes(path), { source: path });
}
