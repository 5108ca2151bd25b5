import { isUnavailable, listBackends, setBackend } from "./registry.js";
import { ValueError } from "../core/errors.js";

/**
 * Applies the GRADNAV_BACKEND environment variable (Node) if set, e.g. GRADNAV_BACKEND=reference.
 * Without it the first registered backend stays the default. GRADNAV_BACKEND=native where the native
 * addon is not available warns once and keeps the backend that stands in for it (see setBackend).
 */
export function chooseDefaultBackend(): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const want = env?.GRADNAV_BACKEND;
  if (!want) return;
  if (!listBackends().includes(want) && !isUnavailable(want))
    throw new ValueError(`GRADNAV_BACKEND=${want}: no such backend (available: ${listBackends().join(", ")})`);
  setBackend(want);
}
