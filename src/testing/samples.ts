/**
 * Builds a primitive sample's inputs from its ArgSpecs with gradnav's own seeded generator, so the
 * tests and the golden-fixture script (scripts/golden.py reads test/fixtures/samples.json) see the
 * same numbers.
 */
import { allocTyped } from "../core/dtype.js";
import type { Tensor } from "../core/tensor.js";
import type { ArgSpec, Sample } from "../engine/primitive.js";
import { fromTypedUnchecked } from "../ops/creation.js";
import { sizeOf } from "../core/shape.js";
import * as random from "../random/index.js";

/** A stable 32-bit hash of a string (FNV-1a), to seed each sample from its name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Row-major values for one argument. */
export function argValues(spec: ArgSpec, key: random.Key): number[] {
  const n = sizeOf(spec.shape);
  if (spec.values) {
    if (spec.values.length !== n) throw new Error(`sample values: ${spec.values.length} values for shape [${spec.shape}]`);
    return spec.values;
  }
  const dtype = spec.dtype ?? "float64";
  const u = random.uniformValues(key, n);
  if (spec.matrix) return matrixValues(spec, u);
  if (dtype === "bool") return Array.from(u, (v) => (v < 0.5 ? 1 : 0));
  const [lo, hi] = spec.range ?? [-2, 2];
  if (dtype === "int32") return Array.from(u, (v) => lo + Math.floor(v * (hi - lo)));
  return Array.from(u, (v) => lo + (hi - lo) * v);
}

/** Matrices for linear-algebra samples (batched over leading axes): well-conditioned by construction. */
function matrixValues(spec: ArgSpec, u: Float64Array): number[] {
  const shape = spec.shape;
  const n = shape[shape.length - 1];
  const per = n * shape[shape.length - 2];
  const out = Array.from(u, (v) => 2 * v - 1);
  for (let b = 0; b * per < out.length; b++) {
    const m = out.slice(b * per, (b + 1) * per);
    let r: number[];
    if (spec.matrix === "spd") {
      // A A^T / n + I: symmetric positive definite with eigenvalues >= 1.
      r = new Array(per).fill(0);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += m[i * n + k] * m[j * n + k];
          r[i * n + j] = s / n + (i === j ? 1 : 0);
        }
    } else {
      // Diagonally dominant: |a_ii| > sum of the row's other |a_ij|.
      r = m.map((v, idx) => {
        const i = Math.floor(idx / n);
        const j = idx % n;
        if (spec.matrix === "lowerWellConditioned" && j > i) return 0;
        if (spec.matrix === "upperWellConditioned" && j < i) return 0;
        return i === j ? (v >= 0 ? 1 : -1) * (n + 1 + Math.abs(v)) : v;
      });
    }
    for (let k = 0; k < per; k++) out[b * per + k] = r[k];
  }
  return out;
}

/** The tensors for a sample: argument i uses a key derived from the primitive's name, the sample index and i. */
export function sampleInputs(primName: string, sampleIndex: number, sample: Sample<unknown>): Tensor[] {
  const base = random.foldIn(random.key(hashString(primName)), sampleIndex);
  return sample.args.map((spec, i) => {
    const dtype = spec.dtype ?? "float64";
    const values = argValues(spec, random.foldIn(base, i));
    const data = allocTyped(dtype, values.length);
    for (let k = 0; k < values.length; k++) data[k] = values[k];
    return fromTypedUnchecked(data, [...spec.shape], dtype);
  });
}
