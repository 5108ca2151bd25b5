import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as gn from "../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("reads a safetensors file written by an independent (NumPy) writer", () => {
  const bytes = new Uint8Array(readFileSync(join(root, "test", "fixtures", "python.safetensors")));
  const { tensors, metadata } = gn.io.loadSafetensors(bytes);
  assert.deepEqual(metadata, { format: "pt", written_by: "numpy" });
  assert.deepEqual(tensors["dense.weight"].toArray(), [[0, 0.25, 0.5], [0.75, 1, 1.25]]);
  assert.equal(tensors["dense.weight"].dtype, "float32");
  assert.deepEqual(tensors["dense.bias"].toArray(), [-1.5, 2.25]);
  assert.equal(tensors["dense.bias"].dtype, "float64");
  assert.deepEqual(tensors["steps"].toArray(), [3]);
  assert.deepEqual(tensors["mask"].toArray(), [true, false, true]);
});

test("safetensors round trip keeps names, dtypes, shapes, values and metadata; data is 8-byte aligned", () => {
  const t = {
    a: gn.tensor([[1, 2], [3, 4]]),
    b: gn.tensor([1e-300, -0, NaN], { dtype: "float64" }),
    c: gn.tensor([7], { dtype: "int32" }),
    d: gn.tensor([true]),
    e: gn.zeros([0, 3]),
  };
  const bytes = gn.io.saveSafetensors(t, { arch: '{"type":"mlp"}' });
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLen) % 8, 0);
  const back = gn.io.loadSafetensors(bytes);
  assert.deepEqual(Object.keys(back.tensors), Object.keys(t));
  for (const k of Object.keys(t) as (keyof typeof t)[]) {
    assert.equal(back.tensors[k].dtype, t[k].dtype);
    assert.deepEqual(back.tensors[k].shape, t[k].shape);
    assert.deepEqual(Array.from(back.tensors[k].toTypedArray()), Array.from(t[k].toTypedArray()));
  }
  assert.deepEqual(back.metadata, { arch: '{"type":"mlp"}' });
});

test("corrupt safetensors data gets errors that say what is wrong", () => {
  assert.throws(() => gn.io.loadSafetensors(new Uint8Array(3), "m.safetensors"), /m.safetensors: too short/);
  const bytes = gn.io.saveSafetensors({ a: gn.ones([4]) });
  assert.throws(() => gn.io.loadSafetensors(bytes.slice(0, bytes.length - 4), "m.safetensors"), (e: Error) => e instanceof gn.io.SafetensorsError && /"a"/.test(e.message));
  const bad = bytes.slice();
  bad[8] = "x".charCodeAt(0);
  assert.throws(() => gn.io.loadSafetensors(bad), /not valid JSON/);
  const f16 = new TextEncoder().encode(JSON.stringify({ h: { dtype: "F16", shape: [1], data_offsets: [0, 2] } }));
  const file = new Uint8Array(8 + f16.length + 2);
  new DataView(file.buffer).setBigUint64(0, BigInt(f16.length), true);
  file.set(f16, 8);
  assert.throws(() => gn.io.loadSafetensors(file), /"h" has dtype F16/);
});

test("loadSafetensors copies the data even from a Node Buffer (whose slice is a view into a shared pool)", () => {
  const bytes = gn.io.saveSafetensors({ a: gn.tensor([1.5, -2.5, 3.25]), b: gn.tensor([7], { dtype: "int32" }) });
  // A Buffer sharing a pool with other data, at a nonzero offset.
  const pool = Buffer.alloc(bytes.length + 13, 0xff);
  pool.set(bytes, 13);
  const view = pool.subarray(13);
  const { tensors } = gn.io.loadSafetensors(view);
  assert.deepEqual(tensors.a.toArray(), [1.5, -2.5, 3.25]);
  assert.deepEqual(tensors.b.toArray(), [7]);
});
