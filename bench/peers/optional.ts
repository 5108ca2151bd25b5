/**
 * Peers are optional devDependencies loaded by name at run time, so neither the build nor the tests
 * need them: a missing package makes its peer "skipped" with a note instead of failing the bench.
 */
import { Unavailable } from "../engine.js";

/** Imports a package by name, or throws Unavailable naming the install step when it is absent. */
export async function importOptional(name: string): Promise<any> {
  try {
    return await import(name);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") throw new Unavailable(`${name} is not installed (npm install, it is a devDependency)`);
    throw e;
  }
}
