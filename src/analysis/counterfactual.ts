/**
 * Counterfactual explanations (Wachter et al. 2017): the smallest change to one sample's features that
 * changes the model's decision, found by gradient descent on a distance + decision loss, respecting
 * features that must not change and features that only take integer or category values, and reported
 * in the data's original units.
 *
 * The model works in its own (usually standardised) input space; a `FeatureSpace` says how each
 * column maps back to original units (original = model value * scale + shift, as a fitted
 * standardiser's mean and standard deviation) and which columns form a one-hot block.
 */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import * as ops from "../ops/index.js";
import { grad } from "../transforms/autodiff.js";
import { type DecisionOptions, type Model, callModel, checkInput, classMargin, decisions, numClasses } from "./model.js";

/** One input column of the model. */
export interface FeatureInfo {
  name: string;
  /** original = model value * scale + shift (a standardiser's mean is the shift, its std the scale). Default 0. */
  shift?: number;
  /** Must be > 0. Default 1. */
  scale?: number;
  /** "continuous" (default), "integer" (rounded in original units) or "binary" (0 or 1 in original units). */
  kind?: "continuous" | "integer" | "binary";
  /** The feature may not change (age, a protected attribute, a past event). */
  immutable?: boolean;
  /** Allowed range, in original units. */
  min?: number;
  max?: number;
  /** "increase" or "decrease": the only direction the feature may move (e.g. age). Default "any". */
  direction?: "any" | "increase" | "decrease";
  /** Cost of changing the feature by one model-space unit (one standard deviation when standardised). Default 1; 0.5 for one-hot columns, so a category switch costs 1. */
  weight?: number;
}

/** A one-hot block: columns that encode one categorical feature; exactly one of them is 1. */
export interface CategoricalGroup {
  name: string;
  /** The model's column indices of the block, in category order. */
  columns: readonly number[];
  /** Category names, one per column (default: the columns' feature names). */
  categories?: readonly string[];
  immutable?: boolean;
}

/** How the model's input columns relate to the data's features. */
export interface FeatureSpace {
  /** One entry per model input column. */
  features: readonly FeatureInfo[];
  groups?: readonly CategoricalGroup[];
}

/** Options of `counterfactual`. */
export interface CounterfactualOptions extends DecisionOptions {
  /** The decision wanted (default: any class other than the current one). */
  targetClass?: number;
  /** How far past the boundary the relaxed solution aims, in logit units (default 0.1); a little room keeps rounding from undoing the flip. */
  confidence?: number;
  /** Gradient steps per round (default 300). */
  steps?: number;
  /** Rounds of the search over the weight of the decision loss (default 8). */
  rounds?: number;
  /** Step size in model units (default 0.05). */
  learningRate?: number;
  /** The first weight of the decision loss (default 1). */
  initialWeight?: number;
  /** Try undoing each change, smallest first, and keep the undo when the decision stays flipped (default true). */
  sparsify?: boolean;
}

/** A numeric feature that changed. */
export interface FeatureChange {
  index: number;
  name: string;
  /** Original units. */
  from: number;
  to: number;
  delta: number;
}

/** A categorical feature that changed. */
export interface CategoryChange {
  group: string;
  from: string;
  to: string;
}

/** The result of `counterfactual`. */
export interface CounterfactualResult {
  /** Whether a counterfactual that changes the decision was found. */
  found: boolean;
  /** The decision at the sample, and at the counterfactual (the same when none was found). */
  before: number;
  after: number;
  /** The counterfactual in the model's input space, shaped like the sample (the sample itself when none was found). */
  x: Tensor;
  /** All columns in original units: the sample, and the counterfactual. */
  original: number[];
  counterfactual: number[];
  /** Numeric features that changed, in original units. */
  changes: FeatureChange[];
  /** Categorical features that changed. */
  categoricalChanges: CategoryChange[];
  /** The weighted L1 distance in model units. */
  cost: number;
  /** Features changed (a categorical block counts once). */
  changed: number;
  /** The decision margin at the counterfactual towards the wanted decision (logit units; > 0 when found). */
  margin: number;
}

interface Column {
  info: FeatureInfo;
  shift: number;
  scale: number;
  weight: number;
  mutable: boolean;
  lo: number;
  hi: number;
  group: number;
}

/**
 * The smallest change to one sample's features (shape [F] or [1, F], model space) that changes the
 * decision, by proximal gradient descent on c * max(0, κ - margin) + Σ weight_j |x'_j - x_j| (the L1
 * term keeps most features unchanged), with a search over c (×10 until a flip is found, then two
 * bisection rounds). Immutable features never move;
 * bounds and directions are projected after every step; one-hot blocks are relaxed onto the simplex
 * and integer/binary features to intervals, then rounded at each check, so the reported
 * counterfactual is a valid data row, and it is checked against the model after rounding.
 * Throws a ValueError for a sample with NaN or a NaN model output.
 * @example
 * const w = gn.tensor([[1], [2]]);             // logit = x0 + 2 x1 - 1
 * const model = (x) => gn.matmul(x, w).sub(1);
 * const space = { features: [{ name: "income", shift: 50, scale: 10 }, { name: "age", immutable: true }] };
 * const r = gn.audit.counterfactual(model, gn.tensor([0, 0]), space);
 * r.changes; // [{ name: "income", from: 50, to: ≈61, ... }]: income up by about one std flips it
 */
export function counterfactual(model: Model, x: Tensor, space: FeatureSpace, opts: CounterfactualOptions = {}): CounterfactualResult {
  const op = "audit.counterfactual";
  checkInput(op, x);
  const rowShape = x.ndim === 1 ? [1, x.shape[0]] : x.shape;
  if (rowShape.length !== 2 || rowShape[0] !== 1) throw new ShapeError(`${op}: needs one tabular sample of shape [F] or [1, F], got ${fmtShape(x.shape)}`);
  const f = rowShape[1];
  const x0 = Float64Array.from(x.toTypedArray());
  for (let j = 0; j < f; j++) if (!Number.isFinite(x0[j])) throw new ValueError(`${op}: the sample's column ${j} is ${x0[j]}; impute it before asking for a counterfactual`);
  const cols = columns(op, space, x0);
  const toTensor = (v: Float64Array) => ops.tensor(v, { shape: rowShape, dtype: x.dtype });
  const evalRow = (v: Float64Array) => callModel(op, model, toTensor(v));
  const out0 = evalRow(x0);
  const before = decisions(out0, opts)[0];
  if (before < 0) throw new ValueError(`${op}: the model's output at the sample is NaN, so there is no decision to change`);
  const k = numClasses(out0);
  const t = opts.targetClass;
  if (t !== undefined && (!Number.isInteger(t) || t < 0 || t >= k)) throw new ValueError(`${op}: targetClass ${t} is not a class of this model (0..${k - 1})`);
  if (t === before) throw new ValueError(`${op}: the model already decides class ${t} for this sample; choose another targetClass`);
  // margin(x') > 0 exactly when x' gets the wanted decision.
  const marginOf = (out: Tensor): Tensor => (t !== undefined ? classMargin(out, Int32Array.of(t), opts) : classMargin(out, Int32Array.of(before), opts).neg());
  const flips = (v: Float64Array): boolean => {
    const d = decisions(evalRow(v), opts)[0];
    return d >= 0 && (t !== undefined ? d === t : d !== before);
  };
  const kappa = opts.confidence ?? 0.1;
  const steps = opts.steps ?? 300;
  const rounds = opts.rounds ?? 8;
  const lr = opts.learningRate ?? 0.05;
  for (const [name, v, min] of [["steps", steps, 1], ["rounds", rounds, 1]] as const)
    if (!Number.isInteger(v) || v < min) throw new ValueError(`${op}: ${name} must be an integer >= ${min}, got ${v}`);
  if (!(lr > 0)) throw new ValueError(`${op}: learningRate must be > 0, got ${lr}`);
  const hingeGrad = grad((xx: Tensor) => ops.relu(ops.sub(kappa, marginOf(callModel(op, model, xx)))).sum());
  const cost = (v: Float64Array) => {
    let s = 0;
    for (let j = 0; j < f; j++) s += cols[j].weight * Math.abs(v[j] - x0[j]);
    return s;
  };

  let best: Float64Array | null = null;
  let bestCost = Infinity;
  const consider = (relaxed: Float64Array) => {
    const v = discretize(relaxed, x0, cols, space);
    const c = cost(v);
    if (c < bestCost && flips(v)) [best, bestCost] = [v, c];
  };
  let c = opts.initialWeight ?? 1;
  let lo = 0;
  let hi = Infinity;
  let refinements = 0;
  for (let r = 0; r < rounds; r++) {
    const costBefore = bestCost;
    const xr = Float64Array.from(x0);
    // A round ends early once it has found a flip and 50 more steps bring no cheaper one, or when it stalls.
    let lastGain = 0;
    let prevCheck = Float64Array.from(xr);
    for (let s = 0; s < steps; s++) {
      const g = grad0(hingeGrad(toTensor(xr)));
      for (let j = 0; j < f; j++) {
        const col = cols[j];
        if (!col.mutable) continue;
        // Gradient step on the decision loss, then the L1 proximal step (soft-threshold towards x0).
        const z = xr[j] - lr * c * (Number.isFinite(g[j]) ? g[j] : 0) - x0[j];
        const d = Math.sign(z) * Math.max(Math.abs(z) - lr * col.weight, 0);
        xr[j] = Math.min(Math.max(x0[j] + d, col.lo), col.hi);
      }
      projectGroups(xr, x0, cols, space);
      if (s % 10 === 9 || s === steps - 1) {
        const had = bestCost;
        consider(xr);
        if (bestCost < had) lastGain = s;
        if (bestCost < costBefore && s - lastGain >= 50) break;
        let moved = 0;
        for (let j = 0; j < f; j++) moved = Math.max(moved, Math.abs(xr[j] - prevCheck[j]));
        if (moved < 1e-12) break;
        prevCheck = Float64Array.from(xr);
      }
    }
    // The hinge is an exact penalty: once c is large enough, a larger c finds the same point, so after
    // the first success a couple of bisection rounds (smaller c, steadier steps) are all that can help.
    if (best !== null) refinements++;
    if (refinements > 2) break;
    if (bestCost < costBefore) {
      hi = c;
      c = (lo + hi) / 2;
    } else {
      lo = c;
      c = hi === Infinity ? c * 10 : (lo + hi) / 2;
    }
  }
  let result = best as Float64Array | null;
  if (result !== null && opts.sparsify !== false) result = sparsify(result, x0, cols, space, flips);
  const final = result ?? x0;
  const outF = evalRow(final);
  const original = toOriginal(x0, cols);
  const cf = toOriginal(final, cols);
  const changes: FeatureChange[] = [];
  for (let j = 0; j < f; j++)
    if (cols[j].group < 0 && final[j] !== x0[j]) changes.push({ index: j, name: cols[j].info.name, from: original[j], to: cf[j], delta: cf[j] - original[j] });
  const categoricalChanges: CategoryChange[] = [];
  (space.groups ?? []).forEach((g) => {
    const a = categoryOf(original, g);
    const b = categoryOf(cf, g);
    if (a !== b) categoricalChanges.push({ group: g.name, from: categoryName(g, a, cols), to: categoryName(g, b, cols) });
  });
  return {
    found: result !== null,
    before,
    after: decisions(outF, opts)[0],
    x: ops.tensor(final, { shape: x.shape, dtype: x.dtype }),
    original,
    counterfactual: cf,
    changes,
    categoricalChanges,
    cost: cost(final),
    changed: changes.length + categoricalChanges.length,
    margin: marginOf(outF).item(),
  };
}

function grad0(g: Tensor): Float64Array {
  return Float64Array.from(g.toTypedArray());
}

/** @internal Validates the feature space and works out each column's bounds in model units. */
function columns(op: string, space: FeatureSpace, x0: Float64Array): Column[] {
  const f = x0.length;
  if (!space || !Array.isArray(space.features)) throw new ValueError(`${op}: give a FeatureSpace { features: [{ name, shift, scale, ... }, ...] }`);
  if (space.features.length !== f) throw new ValueError(`${op}: the feature space describes ${space.features.length} columns but the sample has ${f}`);
  const group = new Array<number>(f).fill(-1);
  (space.groups ?? []).forEach((g, gi) => {
    if (g.columns.length < 2) throw new ValueError(`${op}: categorical group "${g.name}" needs at least 2 columns, got ${g.columns.length}`);
    if (g.categories && g.categories.length !== g.columns.length) throw new ValueError(`${op}: group "${g.name}" has ${g.categories.length} category names for ${g.columns.length} columns`);
    for (const j of g.columns) {
      if (!Number.isInteger(j) || j < 0 || j >= f) throw new ValueError(`${op}: group "${g.name}" names column ${j}, outside 0..${f - 1}`);
      if (group[j] >= 0) throw new ValueError(`${op}: column ${j} is in two categorical groups`);
      group[j] = gi;
    }
  });
  return space.features.map((info, j) => {
    const shift = info.shift ?? 0;
    const scale = info.scale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale) || !Number.isFinite(shift)) throw new ValueError(`${op}: feature "${info.name}" has shift ${shift} and scale ${scale}; scale must be a finite number > 0`);
    const toModel = (o: number) => (o - shift) / scale;
    const gi = group[j];
    const g = gi >= 0 ? space.groups![gi] : null;
    const kind = g ? "binary" : info.kind ?? "continuous";
    let lo = toModel(kind === "binary" ? Math.max(0, info.min ?? 0) : info.min ?? -Infinity);
    let hi = toModel(kind === "binary" ? Math.min(1, info.max ?? 1) : info.max ?? Infinity);
    if (info.direction === "increase") lo = Math.max(lo, x0[j]);
    else if (info.direction === "decrease") hi = Math.min(hi, x0[j]);
    if (lo > hi) throw new ValueError(`${op}: feature "${info.name}" has an empty range [${info.min}, ${info.max}]`);
    const weight = info.weight ?? (g ? 0.5 : 1);
    if (!(weight >= 0)) throw new ValueError(`${op}: feature "${info.name}" has weight ${weight}; it must be >= 0`);
    const mutable = !info.immutable && !(g && g.immutable);
    return { info: { ...info, kind }, shift, scale, weight, mutable, lo, hi, group: gi };
  });
}

/** @internal Projects each mutable one-hot block (in original units) onto the probability simplex. */
function projectGroups(v: Float64Array, x0: Float64Array, cols: Column[], space: FeatureSpace): void {
  for (const g of space.groups ?? []) {
    if (!cols[g.columns[0]].mutable) continue;
    const u = g.columns.map((j) => v[j] * cols[j].scale + cols[j].shift);
    const p = simplexProjection(u);
    g.columns.forEach((j, i) => (v[j] = (p[i] - cols[j].shift) / cols[j].scale));
  }
  void x0;
}

/** @internal Euclidean projection onto { p >= 0, sum p = 1 } (sort-based, Held et al.). */
export function simplexProjection(u: readonly number[]): number[] {
  const s = [...u].sort((a, b) => b - a);
  let acc = 0;
  let theta = 0;
  for (let i = 0; i < s.length; i++) {
    acc += s[i];
    const t = (acc - 1) / (i + 1);
    if (s[i] - t > 0) theta = t;
  }
  return u.map((x) => Math.max(x - theta, 0));
}

/** @internal Rounds a relaxed solution to a valid row: integers, 0/1, one-hot blocks; unchanged columns keep x0 exactly. */
function discretize(v: Float64Array, x0: Float64Array, cols: Column[], space: FeatureSpace): Float64Array {
  const out = Float64Array.from(v);
  cols.forEach((c, j) => {
    if (!c.mutable || out[j] === x0[j]) {
      out[j] = x0[j];
      return;
    }
    if (c.group >= 0) return;
    const kind = c.info.kind;
    if (kind === "integer" || kind === "binary") {
      let o = Math.round(out[j] * c.scale + c.shift);
      const lo = Math.ceil(c.lo * c.scale + c.shift - 1e-9);
      const hi = Math.floor(c.hi * c.scale + c.shift + 1e-9);
      o = Math.min(Math.max(o, lo), hi);
      const back = (o - c.shift) / c.scale;
      // A rounded value equal to the original (in original units) means "unchanged".
      out[j] = Math.abs(o - (x0[j] * c.scale + c.shift)) < 1e-9 ? x0[j] : back;
    }
  });
  for (const g of space.groups ?? []) {
    const u = g.columns.map((j) => out[j] * cols[j].scale + cols[j].shift);
    const u0 = g.columns.map((j) => x0[j] * cols[j].scale + cols[j].shift);
    let best = 0;
    for (let i = 1; i < u.length; i++) if (u[i] > u[best]) best = i;
    const a0 = u0.indexOf(Math.max(...u0));
    if (!cols[g.columns[0]].mutable || best === a0) g.columns.forEach((j) => (out[j] = x0[j]));
    else g.columns.forEach((j, i) => (out[j] = ((i === best ? 1 : 0) - cols[j].shift) / cols[j].scale));
  }
  return out;
}

/** @internal Greedily undoes changes (cheapest first) that are not needed to keep the decision flipped. */
function sparsify(v: Float64Array, x0: Float64Array, cols: Column[], space: FeatureSpace, flips: (v: Float64Array) => boolean): Float64Array {
  const units: { cols: number[]; cost: number }[] = [];
  cols.forEach((c, j) => {
    if (c.group < 0 && v[j] !== x0[j]) units.push({ cols: [j], cost: c.weight * Math.abs(v[j] - x0[j]) });
  });
  for (const g of space.groups ?? []) {
    const js = [...g.columns];
    if (js.some((j) => v[j] !== x0[j])) units.push({ cols: js, cost: js.reduce((s, j) => s + cols[j].weight * Math.abs(v[j] - x0[j]), 0) });
  }
  units.sort((a, b) => a.cost - b.cost);
  let cur = v;
  for (const u of units) {
    const trial = Float64Array.from(cur);
    for (const j of u.cols) trial[j] = x0[j];
    if (flips(trial)) cur = trial;
  }
  return cur;
}

function toOriginal(v: Float64Array, cols: Column[]): number[] {
  return Array.from(v, (x, j) => {
    const o = x * cols[j].scale + cols[j].shift;
    const kind = cols[j].info.kind;
    // Integer-valued columns are reported as integers (the affine map leaves float rounding noise).
    return kind === "integer" || kind === "binary" ? Math.round(o * 1e9) / 1e9 : o;
  });
}

function categoryOf(orig: number[], g: CategoricalGroup): number {
  let best = 0;
  for (let i = 1; i < g.columns.length; i++) if (orig[g.columns[i]] > orig[g.columns[best]]) best = i;
  return best;
}

function categoryName(g: CategoricalGroup, i: number, cols: Column[]): string {
  return g.categories?.[i] ?? cols[g.columns[i]].info.name;
}
