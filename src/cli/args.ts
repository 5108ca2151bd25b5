/** Parsers for option values: each throws commander's InvalidArgumentError, which commander reports as a usage error. */
import { InvalidArgumentError } from "commander";

/** An integer >= min. @example new Option("--epochs <n>").argParser(intArg(0)) */
export function intArg(min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

/** A finite number > 0. @example positiveNumberArg("1e-3") // 0.001 */
export function positiveNumberArg(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

/** A number in [0, 1). @example fractionArg("0.25") // 0.25 */
export function fractionArg(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !(n >= 0 && n < 1)) throw new InvalidArgumentError("expected a fraction in [0, 1)");
  return n;
}

/** Any safe integer. @example seedArg("-3") // -3 */
export function seedArg(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isSafeInteger(n)) throw new InvalidArgumentError("expected an integer");
  return n;
}
