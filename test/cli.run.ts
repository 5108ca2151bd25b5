/** Runs the built `gradnav` command as a child process, the way a user does, for the CLI tests. */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The compiled entry point (package.json "bin"). */
export const cli = join(root, "dist", "src", "cli", "main.js");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `gradnav ...args`: resolves with the exit code (-1 when killed) and both outputs. */
export function gradnav(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 300_000, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fresh temporary folder for one test file's outputs. */
export function workDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
