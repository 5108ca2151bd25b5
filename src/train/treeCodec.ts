/**
 * Trees as JSON plus named tensors: the tensors go to a safetensors file (named by their tree path),
 * everything else (numbers, strings, schedules, null) stays in JSON with a placeholder where each
 * tensor was. Used for optimizer states, whose shape varies by optimizer (Adam's moments, L-BFGS's
 * lists of pairs, step counts, hyperparameters).
 */
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Splits a tree into JSON (tensors replaced by `{"$tensor": name}`, NaN and ±Infinity by
 * `{"$number": "NaN"}`) and the tensors by name (`prefix` + tree path, e.g. "mu.0.w").
 * Throws a ValueError for values JSON cannot hold (functions, class instances other than tensors).
 * @example const { json, tensors } = gn.train.encodeTree({ count: 3, mu: { w: gn.zeros([2]) } });
 */
export function encodeTree(tree: unknown, prefix = ""): { json: Json; tensors: Record<string, Tensor> } {
  const tensors: Record<string, Tensor> = {};
  const walk = (x: unknown, path: string): Json => {
    if (x instanceof Tensor) {
      const name = prefix + (path || "value");
      if (name in tensors) throw new ValueError(`encodeTree: two tensors would both be named "${name}"`);
      tensors[name] = x;
      return { $tensor: name };
    }
    if (x === null || x === undefined) return null;
    if (typeof x === "number") return Number.isFinite(x) ? x : { $number: String(x) };
    if (typeof x === "string" || typeof x === "boolean") return x;
    if (Array.isArray(x)) return x.map((v, i) => walk(v, `${path}[${i}]`));
    if (isPlainObject(x)) {
      const o: Record<string, Json> = {};
      for (const k of Object.keys(x)) if (x[k] !== undefined) o[k] = walk(x[k], path ? `${path}.${k}` : k);
      return o;
    }
    throw new ValueError(`encodeTree: cannot save the value at "${path || "(root)"}" (${typeof x === "function" ? "a function" : Object.prototype.toString.call(x)}); trees may hold tensors, numbers, strings, booleans, null, arrays and plain objects`);
  };
  return { json: walk(tree, ""), tensors };
}

/**
 * Rebuilds a tree from `encodeTree`'s JSON and tensors. Throws a ValueError when a named tensor is missing.
 * @example const tree = gn.train.decodeTree(json, tensors);
 */
export function decodeTree(json: unknown, tensors: Record<string, Tensor>): unknown {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (isPlainObject(x)) {
      const keys = Object.keys(x);
      if (keys.length === 1 && keys[0] === "$tensor") {
        const name = x.$tensor as string;
        const t = tensors[name];
        if (t === undefined) throw new ValueError(`decodeTree: the tensor "${name}" is missing from the saved tensors`);
        return t;
      }
      if (keys.length === 1 && keys[0] === "$number") return Number(x.$number);
      const o: Record<string, unknown> = {};
      for (const k of keys) o[k] = walk(x[k]);
      return o;
    }
    return x;
  };
  return walk(json);
}
