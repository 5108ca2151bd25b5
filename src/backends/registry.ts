import type { Backend } from "./backend.js";
import { ValueError } from "../core/errors.js";

const backends = new Map<string, Backend>();
let current: Backend | null = null;
/** Backends that could not start here: why, and which backend runs instead. */
const unavailable = new Map<string, { reason: string; instead: string }>();
const warned = new Set<string>();

/** Prints a warning once per key (process.emitWarning in Node, console.warn elsewhere). */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  const proc = (globalThis as { process?: { emitWarning?(msg: string, opts: { code: string }): void } }).process;
  if (proc?.emitWarning) proc.emitWarning(message, { code: "GRADNAV_BACKEND" });
  else console.warn(message);
}

/**
 * Records that backend `name` is not available here (and why): `setBackend(name)` then warns once and
 * selects `instead`, so a program written for an optional backend still runs.
 */
export function registerUnavailable(name: string, reason: string, instead: string): void {
  unavailable.set(name, { reason, instead });
}

/** Makes a backend available to `setBackend` by its name. The first one registered becomes current. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
  if (current === null) current = backend;
}

/**
 * Chooses the backend that new tensors live on and that runs ops on them.
 *
 * An optional backend that is not available here (e.g. "native" where its addon is not built) gives a
 * one-time warning and selects the backend that stands in for it (wasm). Throws a ValueError for a name
 * no backend has.
 *
 * @example
 * gn.setBackend("reference"); // the pure-TypeScript oracle
 * gn.setBackend("native");    // gradnav's C kernels, where the addon is built (else wasm, with a warning)
 */
export function setBackend(name: string): void {
  const missing = backends.has(name) ? undefined : unavailable.get(name);
  if (missing !== undefined && backends.has(missing.instead)) {
    warnOnce(name, `gradnav: the ${name} backend is not available (${missing.reason}); using the ${missing.instead} backend instead`);
    name = missing.instead;
  }
  const b = backends.get(name);
  if (!b) throw new ValueError(`setBackend: no backend named "${name}" (available: ${[...backends.keys()].join(", ")})`);
  current = b;
}

/** @internal Whether `name` is a known backend that is not available here (see registerUnavailable). */
export function isUnavailable(name: string): boolean {
  return unavailable.has(name) && !backends.has(name);
}

/** The backend new tensors are created on. */
export function getBackend(): Backend {
  if (current === null) throw new ValueError("no backend is registered");
  return current;
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** @internal */
export function backendByName(name: string): Backend | undefined {
  return backends.get(name);
}
