/**
 * Writes every primitive's sample inputs to test/fixtures/samples.json, so that scripts/golden.py can
 * compute reference outputs with NumPy/SciPy. Run with `npm run fixtures` after adding or changing a
 * primitive or its samples, and commit both fixture files.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import "../src/index.js";
import { prims } from "../src/ops/prims/index.js";
import { sampleInputs } from "../src/testing/samples.js";
import type { Sample } from "../src/engine/primitive.js";
import { encodeValues } from "../src/testing/fixtures.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out: unknown[] = [];
for (const name of Object.keys(prims).sort()) {
  const prim = prims[name as keyof typeof prims];
  (prim.samples as Sample<unknown>[]).forEach((sample, index) => {
    const inputs = sampleInputs(name, index, sample);
    out.push({
      prim: name,
      index,
      label: sample.label ?? "",
      params: sample.params,
      args: inputs.map((t) => ({ shape: t.shape, dtype: t.dtype, values: encodeValues(t.toTypedArray()) })),
    });
  });
}
const file = join(root, "test", "fixtures", "samples.json");
writeFileSync(file, JSON.stringify(out) + "\n");
console.log(`wrote ${out.length} samples of ${Object.keys(prims).length} primitives to ${file}`);
