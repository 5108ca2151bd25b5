/** The core must bundle for browsers: no Node-only module may be reachable from src/index.ts. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSync } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("src/index.ts bundles for the browser without Node built-ins", () => {
  const result = buildSync({
    entryPoints: [join(root, "src", "index.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  assert.equal(result.errors.length, 0);
  const inputs = Object.keys(result.metafile!.inputs);
  const nodeOnly = inputs.filter((p) => p.startsWith("node:") || /^(fs|path|os|worker_threads|zlib|child_process)$/.test(p));
  assert.deepEqual(nodeOnly, [], `Node-only modules reachable from the core: ${nodeOnly.join(", ")}`);
  assert.ok(result.outputFiles![0].text.length > 10_000);
});
