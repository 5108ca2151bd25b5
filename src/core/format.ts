import type { Tensor } from "./tensor.js";

const EDGE = 3;
const SUMMARIZE_OVER = 1000;

function fmtNumber(v: number, dtype: string): string {
  if (dtype === "bool") return v ? "true" : "false";
  if (dtype === "int32") return String(v);
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(4);
  return String(Number(v.toPrecision(dtype === "float32" ? 6 : 8)));
}

/** A NumPy-like printout: nested brackets, aligned columns, large tensors summarised with "...". */
export function formatTensor(t: Tensor): string {
  const traced = t._trace !== null ? ", traced" : "";
  if (t._trace === null && t._backend === null) return `Tensor(<disposed>, shape=[${t.shape.join(", ")}], dtype=${t.dtype})`;
  const values = t.toTypedArray();
  const summarize = t.size > SUMMARIZE_OVER;
  const strs = new Map<number, string>();
  let width = 0;
  const cell = (i: number): string => {
    let s = strs.get(i);
    if (s === undefined) {
      s = fmtNumber(values[i], t.dtype);
      strs.set(i, s);
    }
    return s;
  };
  const shape = t.shape;
  const strides: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  const indices = (n: number): (number | null)[] =>
    summarize && n > 2 * EDGE ? [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : Array.from({ length: n }, (_, i) => i);
  // First pass: width of the widest shown number.
  const measure = (axis: number, off: number): void => {
    if (axis === shape.length) {
      width = Math.max(width, cell(off).length);
      return;
    }
    for (const i of indices(shape[axis])) if (i !== null) measure(axis + 1, off + i * strides[axis]);
  };
  measure(0, 0);
  const indent = "Tensor(".length;
  const build = (axis: number, off: number): string => {
    if (axis === shape.length) return cell(off).padStart(width);
    const parts = indices(shape[axis]).map((i) => (i === null ? "..." : build(axis + 1, off + i * strides[axis])));
    const last = axis === shape.length - 1;
    const sep = last ? ", " : "," + "\n".repeat(shape.length - axis - 1) + " ".repeat(indent + axis + 1);
    return "[" + parts.join(sep) + "]";
  };
  const body = shape.length === 0 ? cell(0) : build(0, 0);
  return `Tensor(${body}, shape=[${shape.join(", ")}], dtype=${t.dtype}${traced})`;
}
