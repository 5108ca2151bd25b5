/**
 * Registers the native backend where its addon loads; elsewhere records why, so that
 * setBackend("native") and GRADNAV_BACKEND=native warn once and run on the wasm backend (or the
 * reference backend where WebAssembly SIMD is missing). An addon that is present but fails to load
 * is reported at once, also unasked.
 */
import { listBackends, registerBackend, registerUnavailable, warnOnce } from "../registry.js";
import { nativeAvailable, nativeBackend, nativeStatus } from "./index.js";

export function registerNativeBackend(): void {
  if (nativeAvailable()) {
    registerBackend(nativeBackend);
    return;
  }
  const { reason, broken } = nativeStatus();
  const instead = listBackends().includes("wasm") ? "wasm" : "reference";
  registerUnavailable("native", reason, instead);
  if (broken) warnOnce("native", `gradnav: the native backend could not start (${reason}); using the ${instead} backend`);
}
