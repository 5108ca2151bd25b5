/** Parameter counting and a readable model summary. */
import type { Tree } from "../core/tree.js";
import { treeLeaves } from "../core/tree.js";
import * as random from "../random/index.js";
import { type Layer, child } from "./layer.js";

/**
 * The number of scalars in a tree of tensors (a model's parameters or state).
 * @example
 * const { params } = gn.nn.linear(30, 64).init(gn.random.key(0));
 * gn.nn.countParams(params); // 30 * 64 + 64 = 1984
 */
export function countParams(tree: Tree): number {
  let n = 0;
  for (const t of treeLeaves(tree)) n += t.size;
  return n;
}

/** One row of a summary. */
export interface SummaryRow {
  /** Where the layer's params sit in the model's tree, e.g. "2.block.0" ("" for the model itself). */
  path: string;
  /** Nesting depth (0 for the top-level rows). */
  depth: number;
  /** The layer's readable name. */
  name: string;
  /** The per-sample output shape. */
  outputShape: number[];
  /** Number of trainable scalars in this layer (and its sub-layers). */
  params: number;
  /** Number of state scalars (e.g. BatchNorm's running statistics). */
  state: number;
}

/**
 * The rows of `summary` as data: one per layer, sub-layers after their parent. A top-level Sequential is
 * shown as its layers. Inside a composite, a Sequential's layers see the previous output and any other
 * composite's sub-layers (Residual's block and shortcut) see the composite's input.
 * @example gn.nn.summaryRows(model, [30]).map((r) => r.params)
 */
export function summaryRows(model: Layer, inputShape: readonly number[], opts: { params?: Tree; state?: Tree } = {}): SummaryRow[] {
  const init = opts.params === undefined || opts.state === undefined ? model.init(random.key(0), inputShape) : undefined;
  const params = opts.params ?? init!.params;
  const state = opts.state ?? init!.state;
  const rows: SummaryRow[] = [];
  const visit = (layer: Layer, input: readonly number[], p: Tree | undefined, s: Tree | undefined, path: string, depth: number, showSelf: boolean): number[] => {
    const out = layer.outputShape(input);
    if (showSelf) rows.push({ path, depth, name: layer.name, outputShape: out, params: countParams(p ?? {}), state: countParams(s ?? {}) });
    if (layer.children) {
      let shape = [...input];
      const chained = layer.spec.type === "sequential";
      for (const [name, c] of layer.children) {
        const o = visit(c, chained ? shape : input, child(p, name), child(s, name), path ? `${path}.${name}` : name, showSelf ? depth + 1 : depth, true);
        if (chained) shape = o;
      }
    }
    return out;
  };
  visit(model, inputShape, params, state, "", 0, model.spec.type !== "sequential");
  return rows;
}

function group(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * A table of the model's layers with their output shapes and parameter counts, and the totals.
 * Output shapes are written with the batch axis as N. Without `params`, the model is initialised with
 * key 0 to count (counts do not depend on the key).
 * @example
 * console.log(gn.nn.summary(gn.nn.sequential([gn.nn.linear(30, 64), gn.nn.relu(), gn.nn.linear(64, 2)]), [30]));
 * // path  layer              output shape  params
 * // 0     Linear(30 -> 64)   [N, 64]        1,984
 * // ...
 * // Total params: 2,114
 */
export function summary(model: Layer, inputShape: readonly number[], opts: { params?: Tree; state?: Tree } = {}): string {
  const init = opts.params === undefined || opts.state === undefined ? model.init(random.key(0), inputShape) : undefined;
  const params = opts.params ?? init!.params;
  const state = opts.state ?? init!.state;
  const rows = summaryRows(model, inputShape, { params, state });
  const total = countParams(params);
  const totalState = countParams(state);
  const table = [
    ["path", "layer", "output shape", "params"],
    ...rows.map((r) => [r.path, `${"  ".repeat(r.depth)}${r.name}`, `[N, ${r.outputShape.join(", ")}]`.replace("[N, ]", "[N]"), group(r.params)]),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ").trimEnd();
  const rule = "-".repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  const lines = [`${model.name}, input [N, ${inputShape.join(", ")}]`.replace("[N, ]", "[N]"), rule, line(table[0]), rule, ...table.slice(1).map(line), rule, `Total params: ${group(total)}`];
  if (totalState > 0) lines.push(`State (not trained, e.g. running statistics): ${group(totalState)}`);
  return lines.join("\n");
}
