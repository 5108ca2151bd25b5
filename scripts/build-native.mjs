#!/usr/bin/env node
// Builds the optional native backend (native/node/) with node-gyp: `npm run build:native`.
// Uses the node-gyp that npm ships (npm puts it on PATH for scripts, or npm_config_node_gyp) and,
// when this Node's own headers are installed next to it (<prefix>/include/node), points node-gyp at
// them so that nothing is downloaded. A failed build leaves gradnav on its WebAssembly backend.
// Usage: node scripts/build-native.mjs [--debug]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const prefix = path.resolve(path.dirname(process.execPath), "..");
const args = ["rebuild", "--directory", path.join(root, "native", "node")];
if (process.argv.includes("--debug")) args.push("--debug");
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);

const gyp = process.env.npm_config_node_gyp;
const [cmd, cmdArgs] = gyp && existsSync(gyp) ? [process.execPath, [gyp, ...args]] : ["node-gyp", args];
const r = spawnSync(cmd, cmdArgs, { stdio: "inherit", shell: process.platform === "win32" && cmd === "node-gyp" });
if (r.error) {
  console.error(`build-native: could not run node-gyp (${r.error.message}); install it (npm i -g node-gyp) or run this through npm run build:native`);
  process.exit(1);
}
if (r.status !== 0) {
  console.error("build-native: the native backend did not build; gradnav keeps using its WebAssembly backend");
  process.exit(r.status ?? 1);
}
console.log(`build-native: built ${path.relative(root, path.join(root, "native", "node", "build", "Release", "gradnav_native.node"))}`);
