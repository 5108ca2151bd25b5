/**
 * The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
 * length, a JSON header mapping each tensor name to {dtype, shape, data_offsets} (plus an optional
 * "__metadata__" map of strings), then the raw little-endian data. Python tools (safetensors, and
 * anything built on it) read gradnav's checkpoints directly. Works on bytes, so it runs in browsers too.
 */
import { type DType, type TypedArray } from "../core/dtype.js";
import { GradnavError } from "../core/errors.js";
import { sizeOf } from "../core/shape.js";
import type { Tensor } from "../core/tensor.js";
import { tensor } from "../ops/creation.js";

/** A file that is not valid safetensors; the message says where. */
export class SafetensorsError extends GradnavError {}

const TO_ST: Record<DType, string> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };
const FROM_ST: Record<string, DType> = { F32: "float32", F64: "float64", I32: "int32", BOOL: "bool" };
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function bytesOf(values: TypedArray): Uint8Array {
  if (!littleEndian) throw new SafetensorsError("safetensors: big-endian platforms are not supported");
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * Serialises named tensors (and string metadata) to safetensors bytes. Names keep their order; data
 * is laid out in that order, each tensor aligned to 8 bytes by padding the header with spaces.
 * @example const bytes = gn.io.saveSafetensors({ "layer0.w": w }, { format: "gradnav" });
 */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "__metadata__") throw new SafetensorsError('safetensors: "__metadata__" is reserved and cannot name a tensor');
    const data = bytesOf(t.toTypedArray());
    header[name] = { dtype: TO_ST[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + data.length] };
    chunks.push(data);
    offset += data.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/**
 * Reads safetensors bytes. Supports F32, F64, I32 and BOOL (other dtypes throw, naming the tensor).
 * Checks that offsets are in range, contiguous and match each shape.
 * @example const { tensors, metadata } = gn.io.loadSafetensors(bytes);
 */
export function loadSafetensors(bytes: Uint8Array, source = "safetensors data"): SafetensorsContents {
  if (bytes.length < 8) throw new SafetensorsError(`${source}: too short (${bytes.length} bytes) to hold a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8) throw new SafetensorsError(`${source}: header length ${n} exceeds the file size ${bytes.length}`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new SafetensorsError(`${source}: the header is not valid JSON (${(e as Error).message})`);
  }
  const base = 8 + n;
  const metadata: Record<string, string> = header.__metadata__ ?? {};
  const tensors: Record<string, Tensor> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const dtype = FROM_ST[info?.dtype];
    if (!dtype) throw new SafetensorsError(`${source}: tensor "${name}" has dtype ${info?.dtype}; gradnav reads F32, F64, I32 and BOOL`);
    const shape: number[] = info.shape;
    const [begin, end] = info.data_offsets ?? [];
    const size = sizeOf(shape);
    if (!Number.isInteger(begin) || !Number.isInteger(end) || end - begin !== size * BYTES[dtype] || base + end > bytes.length)
      throw new SafetensorsError(`${source}: tensor "${name}" (shape [${shape}], ${info.dtype}) has data_offsets [${begin}, ${end}] that do not fit its size or the file`);
    // Uint8Array.prototype.slice copies even for a Node Buffer (whose own slice is a view into a shared pool).
    const raw = Uint8Array.prototype.slice.call(bytes, base + begin, base + end);
    const typed: TypedArray =
      dtype === "float32" ? new Float32Array(raw.buffer) : dtype === "float64" ? new Float64Array(raw.buffer) : dtype === "int32" ? new Int32Array(raw.buffer) : new Uint8Array(raw.buffer);
    tensors[name] = tensor(typed, { shape, dtype });
  }
  return { tensors, metadata };
}
