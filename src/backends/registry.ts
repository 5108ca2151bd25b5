import type { Backend } from "./backend.js";
import { ValueError } from "../core/errors.js";

const backends = new Map<string, Backend>();
let current: Backend | null = null;

/** Makes a backend available to `setBackend` by its name. The first one registered becomes current. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
  if (current === null) current = backend;
}

/**
 * Chooses the backend that new tensors live on and that runs ops on them.
 *
 * @example
 * gn.setBackend("reference"); // the pure-TypeScript oracle
 */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) throw new ValueError(`setBackend: no backend named "${name}" (available: ${[...backends.keys()].join(", ")})`);
  current = b;
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
