/**
 * `npm run bench -- --profile [--only W2]`: where each gradnav case's time goes, primitive by
 * primitive (gn.profile), on each selected backend. Warm-up iterations first, then the profiled ones;
 * figures are per iteration.
 */
import * as gn from "../src/index.js";
import { type Scale, allCases, selectCases } from "./cases.js";
import { BACKEND_SETUP } from "./run.js";
import { buildGradnavCase } from "./workloads/index.js";

export interface ProfileOptions {
  scale: Scale;
  only?: string;
  backends?: string[];
  /** Profiled iterations per case (after as many warm-up iterations). */
  iters: number;
  top: number;
  say: (line: string) => void;
}

export async function profileBench(o: ProfileOptions): Promise<void> {
  const cases = selectCases(allCases(o.scale), o.only);
  if (cases.length === 0) throw new Error(`--only ${o.only}: no case matches`);
  const initial = gn.getBackend().name;
  try {
    for (const name of o.backends ?? gn.listBackends()) {
      await BACKEND_SETUP[name]?.();
      gn.setBackend(name);
      for (const c of cases) {
        const prepared = await buildGradnavCase(c);
        try {
          await prepared.step(o.iters);
          const { profile } = await gn.profile(async () => prepared.step(o.iters));
          const per = (ms: number) => (ms / o.iters).toFixed(3).padStart(9);
          o.say(`\n${c.id} on gradnav/${name}: ${per(profile.totalMs).trim()} ms per iteration, ${per(profile.kernelMs).trim()} in kernels, ${per(profile.overheadMs).trim()} engine and JS; ${(profile.calls / o.iters).toFixed(0)} primitive calls`);
          o.say(`${"ms/iter".padStart(9)} ${"share".padStart(6)} ${"calls".padStart(6)}  op`);
          for (const r of profile.ops.slice(0, o.top))
            o.say(`${per(r.ms)} ${((100 * r.ms) / profile.totalMs).toFixed(1).padStart(5)}% ${(r.calls / o.iters).toFixed(0).padStart(6)}  ${r.prim} ${r.shapes} ${r.dtype}`);
          if (profile.ops.length > o.top) o.say(`  ... ${profile.ops.length - o.top} more rows (--top N)`);
        } finally {
          prepared.dispose?.();
        }
      }
    }
  } finally {
    gn.setBackend(initial);
  }
}
