/** JSON has no NaN, Infinity or -0: fixtures spell them as strings. */
export type Encoded = number | "NaN" | "Infinity" | "-Infinity" | "-0";

export function encodeValues(values: ArrayLike<number>): Encoded[] {
  return Array.from(values, (v) => (Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : Object.is(v, -0) ? "-0" : v));
}

export function decodeValues(values: Encoded[]): number[] {
  return values.map((v) => (typeof v === "number" ? v : v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : -0));
}
