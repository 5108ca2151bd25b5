/**
 * How fast this machine's clock runs right now: a fixed chain of dependent integer multiply-adds in
 * JavaScript, timed. Shared and throttled machines vary; this project's 2-vCPU VM moved by up to 2x
 * within minutes. The bench takes the probe before each engine runs, so a reader can tell whether two
 * engines' figures were measured at the same clock: compare engines only where their probes agree.
 * It does not catch every slowdown: on that VM, whole processes also ran per-op-heavy code (the
 * engine's bookkeeping, tiny ops) about 2x slower at an unchanged probe, with no cause found in the
 * process (no deoptimisation; a memory-bound probe did not follow it either).
 */

/** Million chain steps per second (the best of three short runs, about 0.1 s in all). */
export function speedProbe(): number {
  let best = 0;
  let x = 1;
  for (let r = 0; r < 3; r++) {
    const n = 10_000_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
    const ms = performance.now() - t0;
    best = Math.max(best, n / ms / 1e3);
  }
  if (x === 0.5) throw new Error("unreachable: keeps the chain's result live");
  return Math.round(best);
}
