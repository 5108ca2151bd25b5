/** gn.profile: kernel time by primitive and shape, the rest as overhead; backends restored afterwards. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gn from "../src/index.js";
import { getBackend } from "../src/backends/registry.js";

test("profile counts each primitive call by shape and dtype, and kernel time adds up to at most the total", () => {
  const a = gn.ones([8, 4]);
  const b = gn.ones([4, 3]);
  const c = gn.ones([3]);
  const { result, profile } = gn.profile(() => a.matmul(b).add(c).add(c));
  assert.deepEqual(Array.from(result.toTypedArray()).slice(0, 3), [6, 6, 6]);
  const row = (prim: string) => profile.ops.filter((r) => r.prim === prim);
  assert.deepEqual(row("matmul").map((r) => [r.shapes, r.dtype, r.calls]), [["[8,4] [4,3]", "float32", 1]]);
  assert.deepEqual(row("add").map((r) => [r.shapes, r.calls]), [["[8,3] [3]", 2]]);
  assert.equal(profile.calls, 3);
  assert.ok(profile.kernelMs >= 0 && profile.kernelMs <= profile.totalMs + 1e-9);
  assert.ok(Math.abs(profile.overheadMs - (profile.totalMs - profile.kernelMs)) < 1e-9);
  assert.deepEqual(profile.byPrim.map((p) => p.prim).sort(), ["add", "matmul"]);
  assert.match(profile.table(), /^total .* 3 primitive calls/);
  assert.match(profile.table(), /matmul \[8,4\] \[4,3\] float32/);
});

test("a gradient's profile shows the derivative's primitives (the matmul's transposed products)", () => {
  const x = gn.ones([16, 5]);
  const w = gn.ones([5, 2]);
  const { profile } = gn.profile(() => gn.grad((w: gn.Tensor) => x.matmul(w).sum())(w));
  const matmuls = profile.byPrim.find((p) => p.prim === "matmul");
  assert.ok(matmuls !== undefined && matmuls.calls >= 2, "forward and backward products");
});

test("the backends are restored after profile, also when the function throws, and profiles nest", async () => {
  const before = getBackend().exec;
  assert.throws(() => gn.profile(() => gn.ones([2]).add(gn.ones([3]))), /shape/i);
  assert.equal(getBackend().exec, before);
  assert.throws(() => gn.profile(42 as never), /profile: expected a function to run, got number/);
  const outer = gn.profile(() => {
    const inner = gn.profile(() => gn.ones([2]).neg());
    gn.ones([2]).exp();
    return inner.profile.calls;
  });
  assert.equal(outer.result, 1);
  assert.equal(outer.profile.calls, 2, "the outer profile sees the inner function's ops too");
  assert.equal(getBackend().exec, before);
  const asyncRun = await gn.profile(async () => {
    await Promise.resolve();
    return gn.ones([4]).sqrt().sum().item();
  });
  assert.equal(asyncRun.result, 4);
  assert.equal(asyncRun.profile.calls, 2);
  assert.equal(getBackend().exec, before);
});
