/**
 * The core must bundle for browsers: no Node-only module may be imported statically from anything
 * reachable from src/index.ts. Node-only features (worker threads on Node) are loaded with a dynamic
 * import behind a runtime check, which a browser bundle leaves unevaluated.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSync } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NODE_BUILTIN = /^(node:|(fs|path|os|url|worker_threads|zlib|child_process|module|crypto)$)/;

test("src/index.ts bundles for the browser; Node built-ins are reached only by dynamic import", () => {
  const result = buildSync({
    entryPoints: [join(root, "src", "index.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    external: ["node:*"],
  });
  assert.equal(result.errors.length, 0);
  const staticNode: string[] = [];
  for (const [file, input] of Object.entries(result.metafile!.inputs))
    for (const imp of input.imports) if (NODE_BUILTIN.test(imp.path) && imp.kind !== "dynamic-import") staticNode.push(`${file} -> ${imp.path} (${imp.kind})`);
  assert.deepEqual(staticNode, [], `static imports of Node built-ins reachable from the core:\n${staticNode.join("\n")}`);
  assert.ok(result.outputFiles![0].text.length > 10_000);
});
