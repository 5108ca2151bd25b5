/**
 * A counterfactual `FeatureSpace` from a fitted `gn.data` preprocessor: each model column's shift and
 * scale, 0/1 flags for boolean columns, one-hot blocks for categorical columns, and missing-value
 * indicators (immutable). What the preprocessor cannot know (which features may not change, which
 * are integers, their plausible ranges) comes in the options, by original column name.
 */
import { ValueError } from "../core/errors.js";
import type { PreprocessorSpec } from "../data/preprocess.js";
import type { CategoricalGroup, FeatureInfo, FeatureSpace } from "./counterfactual.js";

/** Options of `featureSpaceFromPreprocessor`, keyed by the data's column names. */
export interface FeatureSpaceOptions {
  /** Columns that must not change (numeric, boolean or categorical). */
  immutable?: readonly string[];
  /** Numeric columns that only take integer values. */
  integer?: readonly string[];
  /** Allowed [min, max] per numeric column, in original units (e.g. the training range). */
  ranges?: Readonly<Record<string, readonly [number, number]>>;
  /** Columns that may only increase or only decrease (e.g. age). */
  directions?: Readonly<Record<string, "increase" | "decrease">>;
}

/**
 * Builds the `FeatureSpace` that `counterfactual` needs from a preprocessor's JSON spec
 * (`prep.spec`), so changes are reported in the CSV's own units and categories.
 * @example
 * const space = gn.audit.featureSpaceFromPreprocessor(prep.spec, { immutable: ["age"], integer: ["children"] });
 * const r = gn.audit.counterfactual(model, x.slice([0], [1]), space);
 */
export function featureSpaceFromPreprocessor(spec: PreprocessorSpec, opts: FeatureSpaceOptions = {}): FeatureSpace {
  const op = "audit.featureSpaceFromPreprocessor";
  if (!spec || spec.format !== "gradnav.preprocessor" || !Array.isArray(spec.columns)) throw new ValueError(`${op}: expected a preprocessor spec (prep.spec, format "gradnav.preprocessor")`);
  const known = new Set(spec.columns.map((c) => c.name));
  const check = (what: string, names: Iterable<string>) => {
    for (const n of names) if (!known.has(n)) throw new ValueError(`${op}: ${what} names column ${JSON.stringify(n)}, which the preprocessor does not have (columns: ${[...known].join(", ")})`);
  };
  check("immutable", opts.immutable ?? []);
  check("integer", opts.integer ?? []);
  check("ranges", Object.keys(opts.ranges ?? {}));
  check("directions", Object.keys(opts.directions ?? {}));
  const immutable = new Set(opts.immutable ?? []);
  const integer = new Set(opts.integer ?? []);
  const features: FeatureInfo[] = [];
  const groups: CategoricalGroup[] = [];
  for (const c of spec.columns) {
    if (c.kind === "categorical") {
      const start = features.length;
      for (const cat of c.categories) features.push({ name: `${c.name}=${cat}` });
      groups.push({ name: c.name, columns: c.categories.map((_, k) => start + k), categories: [...c.categories], immutable: immutable.has(c.name) });
      continue;
    }
    if (integer.has(c.name) && c.kind !== "numeric") throw new ValueError(`${op}: integer names ${JSON.stringify(c.name)}, a ${c.kind} column; only numeric columns can be integer`);
    const range = opts.ranges?.[c.name];
    features.push({
      name: c.name,
      shift: c.shift,
      scale: c.scale,
      kind: c.kind === "boolean" ? "binary" : integer.has(c.name) ? "integer" : "continuous",
      immutable: immutable.has(c.name),
      min: range?.[0],
      max: range?.[1],
      direction: opts.directions?.[c.name] ?? "any",
    });
    // "Was missing" is a fact about the record, not something to change.
    if (c.indicator) features.push({ name: `${c.name}:missing`, kind: "binary", immutable: true });
  }
  return { features, groups };
}
