/**
 * Reading files and gunzipping, where the host can (Node >= 20.16). Node's modules are reached through
 * `process.getBuiltinModule`, not `import`, so bundlers for the browser see no Node import and the
 * core stays browser-safe; in a browser these functions throw a DataError that says what to do instead.
 */
import { DataError } from "./errors.js";

interface NodeFs {
  readFileSync(path: string | URL): Uint8Array;
  existsSync(path: string | URL): boolean;
}
interface NodeUrl {
  pathToFileURL(path: string): URL;
}
interface NodeZlib {
  gunzipSync(data: Uint8Array): Uint8Array;
}

function builtin<T>(id: string, what: string): T {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = typeof proc?.getBuiltinModule === "function" ? proc.getBuiltinModule(id) : undefined;
  if (mod === undefined)
    throw new DataError(
      { source: what },
      `reading files needs Node >= 20.16 (process.getBuiltinModule). In a browser, fetch the bytes yourself and use gn.data.parseCsv / gn.data.parseIdx (decompress .gz with DecompressionStream first)`,
    );
  return mod as T;
}

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes (Node only); a corrupt stream throws a DataError naming `source`. */
export function gunzip(bytes: Uint8Array, source: string): Uint8Array {
  const zlib = builtin<NodeZlib>("node:zlib", source);
  try {
    return zlib.gunzipSync(bytes);
  } catch (e) {
    throw new DataError({ source }, `the gzip data is corrupt or truncated (${(e as Error).message})`);
  }
}

/** The bytes of a file (Node only), gunzipped when they are gzip. A missing file throws a DataError. */
export function readFileBytes(path: string | URL): Uint8Array {
  const fs = builtin<NodeFs>("node:fs", String(path));
  const label = path instanceof URL ? decodeURIComponent(path.pathname) : path;
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new DataError({ source: label }, code === "ENOENT" ? "no such file" : `cannot read the file (${(e as Error).message})`);
  }
  return isGzip(bytes) ? gunzip(bytes, label) : bytes;
}

/** A file: URL for a path, relative to the working directory (Node only). */
export function fileUrl(path: string): URL {
  const url = builtin<NodeUrl>("node:url", path).pathToFileURL(path);
  // pathToFileURL drops a trailing slash; keep it so the URL names a folder.
  return path.endsWith("/") && !url.pathname.endsWith("/") ? new URL(url.href + "/") : url;
}
