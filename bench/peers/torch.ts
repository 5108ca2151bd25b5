/**
 * PyTorch CPU peer: runs bench/peers/torch_bench.py with the system Python (Debian's python3-torch)
 * in a child process. The script times the same cases with the same recipe (bench/harness.ts) and
 * returns the pass times as JSON; when Python or torch is missing the peer is skipped with a note.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ADAM, type CaseSpec } from "../cases.js";
import { type CaseOutcome, type Engine, Unavailable } from "../engine.js";
import type { TimingOptions } from "../harness.js";

/** The Python that has torch: $BENCH_PYTHON, else Debian's /usr/bin/python3, else python3 on PATH. */
function python(): string {
  return process.env.BENCH_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
}

/** The script sits in the source tree (bench/peers), three levels above this compiled file's folder. */
function scriptPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, "../../../bench/peers/torch_bench.py"), path.resolve(here, "torch_bench.py")];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Unavailable(`torch_bench.py not found (looked in ${candidates.join(", ")})`);
  return found;
}

/** Probes the system Python for torch; returns the torch/cpu engine, or throws Unavailable saying what to install. */
export async function load(): Promise<Engine[]> {
  const py = python();
  const script = scriptPath();
  const probe = spawnSync(py, [script, "--probe"], { encoding: "utf8", timeout: 60_000 });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : (probe.stderr || "").trim().split("\n").pop();
    throw new Unavailable(`PyTorch not usable from ${py}: ${why} (on Debian: apt-get install -y python3-torch)`);
  }
  const info = JSON.parse(probe.stdout) as Engine["info"];
  return [
    {
      id: "torch/cpu",
      family: "peer",
      info: { ...info, python: py },
      run: (cases, timing, log) => runScript(py, script, cases, timing, log),
    },
  ];
}

function runScript(py: string, script: string, cases: CaseSpec[], timing: TimingOptions, log: (line: string) => void): Promise<CaseOutcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(py, [script], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let errTail = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      errTail = (errTail + d).slice(-4000);
      for (const line of d.split("\n")) if (line.startsWith("torch/cpu ")) log(line);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`torch_bench.py exited with ${code}: ${errTail.trim().split("\n").slice(-3).join(" | ")}`));
      try {
        resolve((JSON.parse(out) as { outcomes: CaseOutcome[] }).outcomes);
      } catch (e) {
        reject(new Error(`torch_bench.py printed no JSON: ${(e as Error).message}`));
      }
    });
    child.stdin.end(JSON.stringify({ cases, timing, adam: ADAM }));
  });
}
