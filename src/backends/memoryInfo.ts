import { getBackend } from "./registry.js";

/** What `memoryInfo()` reports: the current backend's name and its own counters. */
export interface MemoryInfo {
  backend: string;
  /** Backend-specific counters (wasm: bytesInUse, blocks, memoryBytes, peakBytesInUse, collected, disposed, threads). */
  [counter: string]: string | number;
}

/**
 * How much memory the current backend holds. On the wasm backend: bytes in live heap blocks,
 * the WebAssembly.Memory's size, the peak, and how many blocks were freed by dispose/transforms or by
 * the garbage collector. The reference backend keeps tensors as typed arrays and reports no counters.
 *
 * @example
 * const { bytesInUse, memoryBytes } = gn.memoryInfo();
 */
export function memoryInfo(): MemoryInfo {
  const b = getBackend();
  return { backend: b.name, ...(b.memoryInfo?.() ?? {}) };
}
