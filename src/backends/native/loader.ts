/**
 * Finds and opens the native addon, without importing any Node module (the core must also bundle
 * for browsers, test/bundle.test.ts): `process.dlopen` is reached through globalThis, and only where
 * it exists. Places tried, in order:
 * 1. GRADNAV_NATIVE_PATH, a path to a `.node` file;
 * 2. the build in this checkout, native/node/build/Release/gradnav_native.node (npm run build:native);
 * 3. a prebuilt binary from the optional dependency `@gradnav/native-<platform>-<arch>` (see the README).
 * GRADNAV_NATIVE=0 skips loading altogether.
 */
import { NATIVE_ABI, type NativeAddon } from "./addon.js";

/** What loading found: the addon, or why there is none. */
export interface NativeLoad {
  addon: NativeAddon | null;
  /** Where the addon came from, or null. */
  path: string | null;
  /** Why there is no addon ("" when loaded). */
  reason: string;
  /** True when an addon file was found but failed to load (worth a warning even unasked). */
  broken: boolean;
}

interface NodeProcess {
  env: Record<string, string | undefined>;
  platform: string;
  arch: string;
  versions: { node?: string };
  dlopen(module: { exports: unknown }, filename: string): void;
  getBuiltinModule?(id: string): unknown;
}

function nodeProcess(): NodeProcess | null {
  const p = (globalThis as { process?: Partial<NodeProcess> }).process;
  return p && typeof p.dlopen === "function" && p.versions?.node ? (p as NodeProcess) : null;
}

function fileUrlToPath(url: URL, platform: string): string {
  const path = decodeURIComponent(url.pathname);
  return platform === "win32" ? path.replace(/^\/([A-Za-z]:)/, "$1").replace(/\//g, "\\") : path;
}

function candidates(proc: NodeProcess): string[] {
  const out: string[] = [];
  const explicit = proc.env.GRADNAV_NATIVE_PATH;
  if (explicit) return [explicit];
  // This file is dist/src/backends/native/loader.js; the build lives under the package root.
  const here = new URL("../../../../native/node/build/Release/gradnav_native.node", import.meta.url);
  if (here.protocol === "file:") out.push(fileUrlToPath(here, proc.platform));
  const mod = proc.getBuiltinModule?.("module") as { createRequire?(from: string): { resolve(id: string): string } } | undefined;
  if (mod?.createRequire) {
    try {
      out.push(mod.createRequire(import.meta.url).resolve(`@gradnav/native-${proc.platform}-${proc.arch}/gradnav_native.node`));
    } catch {
      // not installed: the optional dependency is absent on this platform
    }
  }
  return out;
}

function isMissingFile(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /no such file|cannot find|not found|ENOENT|image not found/i.test(msg);
}

/** Tries to open the addon; never throws. */
export function loadNative(): NativeLoad {
  const proc = nodeProcess();
  if (proc === null) return { addon: null, path: null, reason: "not running in Node.js", broken: false };
  if (proc.env.GRADNAV_NATIVE === "0") return { addon: null, path: null, reason: "GRADNAV_NATIVE=0", broken: false };
  let missing = "";
  for (const path of candidates(proc)) {
    const module = { exports: {} as unknown };
    try {
      proc.dlopen(module, path);
    } catch (e) {
      if (isMissingFile(e)) {
        missing = missing || path;
        continue;
      }
      return { addon: null, path, reason: `${path} failed to load: ${e instanceof Error ? e.message : String(e)}`, broken: true };
    }
    const addon = module.exports as NativeAddon;
    if (typeof addon.matmul !== "function") return { addon: null, path, reason: `${path} is not gradnav's addon`, broken: true };
    if (addon.abi !== NATIVE_ABI)
      return { addon: null, path, reason: `${path} was built from other sources (interface ${addon.abi ?? 1}, this gradnav needs ${NATIVE_ABI}): run npm run build:native`, broken: true };
    return { addon, path, reason: "", broken: false };
  }
  return { addon: null, path: null, reason: `the addon is not built (${missing || "no candidate path"}); run npm run build:native`, broken: false };
}
