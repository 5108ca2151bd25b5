import assert from "node:assert/strict";
import type { Tensor } from "../src/index.js";

/** Asserts two nested arrays (or numbers) are elementwise close. */
export function assertAllClose(got: unknown, want: unknown, tol = 1e-6, path = ""): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${path}: expected an array, got ${JSON.stringify(got)}`);
    assert.equal((got as unknown[]).length, want.length, `${path}: length`);
    want.forEach((w, i) => assertAllClose((got as unknown[])[i], w, tol, `${path}[${i}]`));
    return;
  }
  if (typeof want === "number" && Number.isNaN(want)) {
    assert.ok(Number.isNaN(got), `${path}: expected NaN, got ${got}`);
    return;
  }
  if (typeof want === "number" && !Number.isFinite(want)) {
    assert.equal(got, want, `${path}`);
    return;
  }
  if (typeof want === "number") {
    assert.equal(typeof got, "number", `${path}: expected a number, got ${JSON.stringify(got)}`);
    assert.ok(Math.abs((got as number) - want) <= tol * (1 + Math.abs(want)), `${path}: ${got} is not close to ${want} (tol ${tol})`);
    return;
  }
  assert.deepEqual(got, want, path);
}

export function values(t: Tensor): unknown {
  return t.toArray();
}
