/**
 * The peer libraries the bench compares against, each in its own module, loaded only when asked
 * for. To add one: write a module exporting `load(): Promise<Engine[]>` and list it here.
 */
import { type Engine, errorNote } from "../engine.js";

export const PEERS: Record<string, () => Promise<Engine[]>> = {
  tfjs: async () => (await import("./tfjs.js")).load(),
  "jax-js": async () => (await import("./jaxjs.js")).load(),
  torch: async () => (await import("./torch.js")).load(),
};

/**
 * Loads the requested peers. `wanted` holds peer names ("tfjs") or engine ids ("tfjs/wasm");
 * "all" and "none" stand for every peer and no peer.
 */
export async function loadPeers(wanted: readonly string[]): Promise<{ engines: Engine[]; skipped: { id: string; note: string }[] }> {
  const items = wanted.includes("none") ? [] : wanted.includes("all") ? Object.keys(PEERS) : [...wanted];
  const unknown = items.filter((w) => !Object.keys(PEERS).some((n) => w === n || w.startsWith(n + "/")));
  if (unknown.length) throw new Error(`--peers: unknown peer(s) ${unknown.join(", ")} (known: ${Object.keys(PEERS).join(", ")}, all, none)`);
  const engines: Engine[] = [];
  const skipped: { id: string; note: string }[] = [];
  for (const [name, load] of Object.entries(PEERS)) {
    const asks = items.filter((w) => w === name || w.startsWith(name + "/"));
    if (asks.length === 0) continue;
    try {
      const loaded = await load();
      engines.push(...loaded.filter((e) => asks.some((w) => w === name || w === e.id)));
    } catch (e) {
      skipped.push({ id: name, note: errorNote(e) });
    }
  }
  return { engines, skipped };
}
