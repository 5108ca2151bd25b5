/**
 * `npm run bench`: gradnav's side-by-side benchmark suite (see the README's Benchmarks section).
 *
 *   npm run bench                       # every case, every gradnav backend, every peer found
 *   npm run bench -- --quick            # same sizes (minus matmul 1024), short passes: a smoke run
 *   npm run bench -- --only W2,W4       # case-id prefixes
 *   npm run bench -- --peers none       # gradnav only; or --peers tfjs/wasm,torch
 *   npm run bench -- --json out.json    # where to save the JSON (default bench/results/); "-" prints it
 *   npm run bench -- --skip-optim       # without the optimizer tables (bench/optim.ts; alone: node dist/bench/optim.js)
 *   npm run bench -- --profile --only W2 # per-primitive breakdown of each case (bench/profile.ts)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { WORKLOADS } from "./cases.js";
import { formatTable } from "./report.js";
import { runBench } from "./run.js";

const HELP = `usage: npm run bench -- [options]
  --quick              short passes and no matmul 1024: a smoke run (about a minute)
  --tiny               toy sizes (what the test runs)
  --only IDS           comma-separated case-id prefixes, e.g. W2 or W1.matmul512,M.
  --peers LIST         all (default), none, or names/ids: tfjs, tfjs/cpu, tfjs/wasm, jax-js, torch
  --backends LIST      gradnav backends (default: all registered)
  --baseline ID        engine the ratios compare to (default torch/cpu when it ran)
  --passes N           timed passes per case (default 7, quick 3)
  --json PATH          save the JSON report there ("-" prints it to stdout and the table to stderr);
                       default bench/results/bench-<time>.json, also copied to bench/results/latest.json
  --list               print the cases and exit
  --profile            instead of timing against the peers, show where each gradnav case's time goes
                       (gn.profile: kernel time per primitive and shape, and the engine's overhead);
                       --iters N profiled iterations (default 10), --top N rows (default 15)
  --skip-optim         skip the optimizer benchmarks (Adam step cost on a 1M-parameter tree, steps to
                       tolerance on the test functions; bench/optim.ts). They also skip with --only.
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      tiny: { type: "boolean", default: false },
      only: { type: "string" },
      peers: { type: "string", default: "all" },
      backends: { type: "string" },
      baseline: { type: "string" },
      passes: { type: "string" },
      json: { type: "string" },
      list: { type: "boolean", default: false },
      "skip-optim": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      iters: { type: "string", default: "10" },
      top: { type: "string", default: "15" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return void process.stdout.write(HELP);
  const scale = values.tiny ? "tiny" : values.quick ? "quick" : "full";
  if (values.list) {
    const { allCases, selectCases } = await import("./cases.js");
    for (const c of selectCases(allCases(scale), values.only)) console.log(`${c.id.padEnd(16)} ${c.unit.padEnd(10)} ${c.title}`);
    return;
  }
  const passes = values.passes === undefined ? undefined : Number(values.passes);
  if (passes !== undefined && !(Number.isInteger(passes) && passes > 0)) throw new Error(`--passes: expected a positive integer, got ${values.passes}`);
  if (values.profile) {
    const { profileBench } = await import("./profile.js");
    const iters = Number(values.iters);
    const top = Number(values.top);
    if (!(Number.isInteger(iters) && iters > 0)) throw new Error(`--iters: expected a positive integer, got ${values.iters}`);
    if (!(Number.isInteger(top) && top > 0)) throw new Error(`--top: expected a positive integer, got ${values.top}`);
    return profileBench({ scale, only: values.only, backends: values.backends?.split(",").map((s) => s.trim()), iters, top, say: (l) => console.log(l) });
  }
  const toStdout = values.json === "-";
  const say = (line: string): void => void (toStdout ? process.stderr : process.stdout).write(line + "\n");

  const report = await runBench({
    scale,
    only: values.only,
    peers: values.peers.split(",").map((s) => s.trim()).filter(Boolean),
    backends: values.backends?.split(",").map((s) => s.trim()),
    baseline: values.baseline,
    timing: passes === undefined ? {} : { passes },
    log: (line) => process.stderr.write(`  ${line}\n`),
  });

  say("");
  for (const w of [...new Set(report.results.map((r) => r.workload))]) say(`${w}: ${WORKLOADS[w]}`);
  say(`engines: ${report.engines.map((e) => `${e.id} (${Object.entries(e.info).map(([k, v]) => `${k} ${v}`).join(", ")})`).join("; ")}`);
  for (const s of report.skipped) say(`skipped ${s.id}: ${s.note}`);
  say("");
  say(formatTable(report.results, report.baseline));
  say("");

  let optim: unknown;
  if (!values["skip-optim"] && values.only === undefined) {
    const { runOptimBench } = await import("./optim.js");
    const r = runOptimBench({ quick: scale !== "full", log: (line) => process.stderr.write(`  ${line}\n`) });
    say(r.markdown);
    say("");
    optim = { adamStep: r.adam, stepsToTolerance: r.table };
  }

  const json = JSON.stringify({ ...report, optim }, null, 2) + "\n";
  if (toStdout) return void process.stdout.write(json);
  const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bench/results");
  const target = values.json ? path.resolve(values.json) : path.join(resultsDir, `bench-${report.createdAt.replace(/[:.]/g, "-")}.json`);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, json);
  if (!values.json) writeFileSync(path.join(resultsDir, "latest.json"), json);
  say(`saved ${path.relative(process.cwd(), target) || target}`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
