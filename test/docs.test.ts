/**
 * Keeps the docs true: every ```ts block in README.md and docs/ runs (compiled by esbuild, importing
 * "gradnav" through the package's own exports), and every primitive is listed in docs/ops.md.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import { transformSync } from "esbuild";
import { prims } from "../src/ops/prims/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function markdownFiles(): string[] {
  const out = ["README.md"];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith(".md")) out.push(join(dir, e.name));
    }
  };
  walk("docs");
  return out;
}

const blocks: { file: string; index: number; code: string }[] = [];
for (const file of markdownFiles()) {
  const text = readFileSync(join(root, file), "utf8");
  const re = /```ts\n([\s\S]*?)```/g;
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = re.exec(text)) !== null) blocks.push({ file, index: i++, code: m[1] });
}

test("the docs have examples", () => assert.ok(blocks.length >= 5, `${blocks.length} examples found`));

for (const b of blocks) {
  test(`example ${b.index + 1} in ${b.file} runs`, async () => {
    const js = transformSync(b.code, { loader: "ts", format: "esm", target: "es2022" }).code;
    // Inside the package directory, so "gradnav" resolves through package.json "exports".
    const dir = join(root, "dist", "doc-examples");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${b.file.replace(/[^a-zA-Z0-9]/g, "_")}_${b.index}.mjs`);
    writeFileSync(file, js);
    const log = console.log;
    console.log = () => {};
    try {
      await import(pathToFileURL(file).href);
    } finally {
      console.log = log;
    }
  });
}

test("docs/ops.md lists every primitive", () => {
  const ops = readFileSync(join(root, "docs", "ops.md"), "utf8");
  for (const name of Object.keys(prims)) assert.ok(ops.includes(`\`${name}\``), `docs/ops.md does not mention the primitive \`${name}\``);
});
