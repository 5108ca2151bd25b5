/** Parsers for option values: each throws commander's InvalidArgumentError, which commander reports as a usage error. */
import { InvalidArgumentError } from "commander";

export function intArg(min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

export function positiveNumberArg(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

export function fractionArg(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !(n >= 0 && n < 1)) throw new InvalidArgumentError("expected a fraction in [0, 1)");
  return n;
}

export function seedArg(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isSafeInteger(n)) throw new InvalidArgumentError("expected an integer");
  return n;
}
