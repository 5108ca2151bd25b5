/** How the gradnav command reports failures: exit codes and messages without stack traces. */
import { GradnavError } from "../core/errors.js";
import { DataError } from "../data/errors.js";

/** Exit codes: 0 success, 1 a runtime error (bad data, a failed computation), 2 a usage error (bad options), 130 interrupted. @example process.exitCode = EXIT.usage */
export const EXIT = { ok: 0, runtime: 1, usage: 2, interrupted: 130 } as const;

/** A mistake in how the command was called (unknown dataset, model or optimizer; bad option value): exit code 2. @example throw new UsageError(`unknown optimizer "x"; known: adam, sgd`) */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The message and exit code for an error thrown by a command. Stacks are shown only for unexpected errors with GRADNAV_DEBUG=1. @example describeError(new UsageError("bad")) // { message: "bad", code: 2 } */
export function describeError(e: unknown): { message: string; code: number } {
  if (e instanceof UsageError) return { message: e.message, code: EXIT.usage };
  if (e instanceof DataError || e instanceof GradnavError) return { message: e.message, code: EXIT.runtime };
  const err = e instanceof Error ? e : new Error(String(e));
  const debug = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.GRADNAV_DEBUG;
  return { message: debug ? (err.stack ?? err.message) : `${err.message} (set GRADNAV_DEBUG=1 for a stack trace)`, code: EXIT.runtime };
}
