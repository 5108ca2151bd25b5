/**
 * The generated suite: every primitive's samples, on every registered backend.
 * - values against golden fixtures computed by NumPy/SciPy (scripts/golden.py);
 * - for differentiable primitives, first and second derivatives in forward and reverse mode
 *   (all four mixes at order 2) against finite differences, via the public checkGrads;
 * - the primitive's name matches its registry key, and every sample has a fixture.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as gn from "../src/index.js";
import { prims, type PrimName } from "../src/ops/prims/index.js";
import { bind } from "../src/engine/trace.js";
import type { Primitive, Sample } from "../src/engine/primitive.js";
import { sampleInputs } from "../src/testing/samples.js";
import { type Encoded, decodeValues } from "../src/testing/fixtures.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const golden: Record<string, Record<string, { shape: number[]; values: Encoded[] }>> = JSON.parse(
  readFileSync(join(root, "test", "fixtures", "golden.json"), "utf8"),
);

/** Tolerances for values against NumPy: float64 kernels agree to a few ulps, float32 to its precision. */
function valueTolerance(dtype: gn.DType): { rtol: number; atol: number } {
  return dtype === "float32" ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-10, atol: 1e-12 };
}

function assertClose(got: ArrayLike<number>, want: number[], dtype: gn.DType, what: string): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, golden has ${want.length}`);
  const { rtol, atol } = valueTolerance(dtype);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w)) {
      assert.ok(Number.isNaN(g), `${what}: element ${i} is ${g}, golden is NaN`);
      continue;
    }
    if (!Number.isFinite(w)) {
      assert.equal(g, w, `${what}: element ${i} is ${g}, golden is ${w}`);
      continue;
    }
    assert.ok(Math.abs(g - w) <= atol + rtol * Math.abs(w), `${what}: element ${i} is ${g}, golden is ${w} (rtol ${rtol}, atol ${atol})`);
  }
}

let derivativeChecks = 0;
let valueChecks = 0;

for (const backend of gn.listBackends()) {
  describe(`primitives on the ${backend} backend`, () => {
    for (const name of Object.keys(prims).sort() as PrimName[]) {
      const prim = prims[name] as Primitive<unknown>;
      describe(name, () => {
        test("is registered under its own name", () => assert.equal(prim.name, name));
        (prim.samples as Sample<unknown>[]).forEach((sample, index) => {
          const label = `sample ${index}${sample.label ? ` (${sample.label})` : ""}: ${sample.args.map((a) => `[${a.shape}]${a.dtype && a.dtype !== "float64" ? a.dtype : ""}`).join(", ")}`;
          test(`${label} matches NumPy`, () => {
            gn.setBackend(backend);
            try {
              const fixture = golden[name]?.[String(index)];
              assert.ok(fixture, `no golden value for ${name} sample ${index}: run \`npm run fixtures\` and commit test/fixtures/`);
              const inputs = sampleInputs(name, index, sample);
              const out = bind(name, inputs, sample.params as never);
              assert.deepEqual([...out.shape], fixture.shape, `${name}: output shape`);
              assertClose(out.toTypedArray(), decodeValues(fixture.values), out.dtype, name);
              valueChecks++;
            } finally {
              gn.setBackend("reference");
            }
          });
          if (!prim.differentiable || sample.valueOnly) return;
          test(`${label}: derivatives to order 2, forward and reverse`, () => {
            gn.setBackend(backend);
            try {
              const inputs = sampleInputs(name, index, sample);
              const wrt = sample.wrt ?? inputs.map((t, i) => (gn.isFloat(t.dtype) ? i : -1)).filter((i) => i >= 0);
              const f = (...diff: gn.Tensor[]) => {
                const all = [...inputs];
                wrt.forEach((a, k) => (all[a] = diff[k]));
                return bind(name, all, sample.params as never);
              };
              derivativeChecks += gn.checkGrads(f, wrt.map((i) => inputs[i]), { order: 2, ...sample.tol });
            } finally {
              gn.setBackend("reference");
            }
          });
        });
      });
    }
  });
}

test("summary of the generated checks", () => {
  const n = Object.keys(prims).length;
  const diff = Object.values(prims).filter((p) => (p as Primitive<unknown>).differentiable).length;
  console.log(`generated suite: ${n} primitives (${diff} differentiable), ${valueChecks} value checks, ${derivativeChecks} derivative checks, backends: ${gn.listBackends().join(", ")}`);
  assert.ok(valueChecks > 0);
});
