/**
 * Fairness constraints as linear moments of the decisions. Every constraint here is
 *
 *   γ_j(h) = Σ_i a_ji h_i + c_j <= ε_j
 *
 * for decisions h_i in [0, 1] (hard 0/1, expected decisions of a randomized classifier, or the
 * soft decisions σ(z_i) of a Lagrangian surrogate), which is what lets one representation serve
 * the Lagrangian, the proxy-Lagrangian and the exponentiated-gradient reduction alike:
 *
 * - demographic_parity: for every ordered pair of groups (a, b), P(ŷ=1 | a) - P(ŷ=1 | b) <= ε.
 *   So the constraint bounds exactly the reported demographic-parity difference (max - min).
 * - equal_opportunity: the same for P(ŷ=1 | a, y=1) (the TPR difference).
 * - equalized_odds: the same for y=1 (TPR) and for y=0 (FPR).
 * - bounded_group_loss: for every group a, its error rate P(ŷ ≠ y | a) <= ε (the expected 0-1
 *   loss; with soft decisions, the error of the randomized prediction that says 1 with probability σ(z)).
 *
 * Pairs or groups with no rows in a conditioning cell are left out.
 */
import { ValueError } from "../../core/errors.js";
import type { Groups } from "./groups.js";

/** The constraint families. */
export type ConstraintKind = "demographic_parity" | "equalized_odds" | "equal_opportunity" | "bounded_group_loss";

/** The families, for option parsing. @example gn.fairness.CONSTRAINT_KINDS.join(", ") */
export const CONSTRAINT_KINDS: readonly ConstraintKind[] = ["demographic_parity", "equalized_odds", "equal_opportunity", "bounded_group_loss"];

/** A constraint family with its bound ε. */
export interface ConstraintSpec {
  kind: ConstraintKind;
  bound: number;
}

/** One linear moment constraint Σ_i coef_i h_i + offset <= bound. */
export interface LinearConstraint {
  /** E.g. "demographic_parity: Male - Female" or "equalized_odds (y=0): Male - Female". */
  name: string;
  kind: ConstraintKind;
  coef: Float64Array;
  offset: number;
  bound: number;
}

/** The constraints of one problem, with their coefficients as one row-major [J, n] matrix. */
export interface ConstraintSet {
  constraints: LinearConstraint[];
  /** Rows (training examples). */
  n: number;
  /** The coef vectors stacked, [J * n] row-major. */
  matrix: Float64Array;
  offsets: Float64Array;
  bounds: Float64Array;
}

/**
 * Parses "demographic_parity<=0.05" (also "demographic-parity <= 0.05", "dp<=0.05", "eo<=0.1",
 * "eop<=0.1", "bgl<=0.2") into a spec.
 * @example gn.fairness.parseConstraint("demographic_parity<=0.05") // { kind: "demographic_parity", bound: 0.05 }
 */
export function parseConstraint(text: string): ConstraintSpec {
  const m = /^\s*([A-Za-z_-]+)\s*<=\s*([0-9.eE+-]+)\s*$/.exec(text);
  if (!m) throw new ValueError(`fairness.parseConstraint: cannot read ${JSON.stringify(text)}; write e.g. "demographic_parity<=0.05" (kinds: ${CONSTRAINT_KINDS.join(", ")})`);
  const name = m[1].toLowerCase().replace(/-/g, "_");
  const aliases: Record<string, ConstraintKind> = { dp: "demographic_parity", eo: "equalized_odds", eop: "equal_opportunity", bgl: "bounded_group_loss" };
  const kind = (aliases[name] ?? name) as ConstraintKind;
  if (!CONSTRAINT_KINDS.includes(kind)) throw new ValueError(`fairness.parseConstraint: unknown constraint "${m[1]}"; use one of ${CONSTRAINT_KINDS.join(", ")}`);
  const bound = Number(m[2]);
  checkBound("fairness.parseConstraint", kind, bound);
  return { kind, bound };
}

function checkBound(op: string, kind: string, bound: number): void {
  if (!(bound >= 0) || !Number.isFinite(bound)) throw new ValueError(`${op}: the bound of ${kind} must be a finite number >= 0, got ${bound}`);
}

/**
 * Builds the linear constraints of the given families for labels y and groups (see the module notes).
 * @example
 * const groups = gn.fairness.groupBy({ sex: ["F", "F", "M", "M"] });
 * const set = gn.fairness.buildConstraints([{ kind: "demographic_parity", bound: 0.1 }], [1, 0, 1, 0], groups);
 * set.constraints.map((c) => c.name); // ["demographic_parity: F - M", "demographic_parity: M - F"]
 */
export function buildConstraints(specs: readonly ConstraintSpec[], y: ArrayLike<number>, groups: Groups): ConstraintSet {
  const op = "fairness.buildConstraints";
  const n = groups.index.length;
  if (y.length !== n) throw new ValueError(`${op}: y has ${y.length} labels but the groups cover ${n} rows`);
  if (specs.length === 0) throw new ValueError(`${op}: no constraints given`);
  const k = groups.names.length;
  const out: LinearConstraint[] = [];
  const pairs = (kind: ConstraintKind, bound: number, cond: number | null, tag: string) => {
    const cnt = new Float64Array(k);
    for (let i = 0; i < n; i++) if (cond === null || y[i] === cond) cnt[groups.index[i]]++;
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) {
        if (a === b || cnt[a] === 0 || cnt[b] === 0) continue;
        const coef = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          if (cond !== null && y[i] !== cond) continue;
          const g = groups.index[i];
          if (g === a) coef[i] = 1 / cnt[a];
          else if (g === b) coef[i] = -1 / cnt[b];
        }
        out.push({ name: `${kind}${tag}: ${groups.names[a]} - ${groups.names[b]}`, kind, coef, offset: 0, bound });
      }
  };
  for (const s of specs) {
    checkBound(op, s.kind, s.bound);
    if (s.kind === "demographic_parity") pairs(s.kind, s.bound, null, "");
    else if (s.kind === "equal_opportunity") pairs(s.kind, s.bound, 1, "");
    else if (s.kind === "equalized_odds") {
      pairs(s.kind, s.bound, 1, " (y=1)");
      pairs(s.kind, s.bound, 0, " (y=0)");
    } else if (s.kind === "bounded_group_loss") {
      const cnt = new Float64Array(k);
      for (let i = 0; i < n; i++) cnt[groups.index[i]]++;
      for (let a = 0; a < k; a++) {
        if (cnt[a] === 0) continue;
        const coef = new Float64Array(n);
        let offset = 0;
        for (let i = 0; i < n; i++) {
          if (groups.index[i] !== a) continue;
          // error = h (1 - y) + (1 - h) y = h (1 - 2y) + y
          coef[i] = (1 - 2 * y[i]) / cnt[a];
          offset += y[i] / cnt[a];
        }
        out.push({ name: `${s.kind}: ${groups.names[a]}`, kind: s.kind, coef, offset, bound: s.bound });
      }
    } else throw new ValueError(`${op}: unknown constraint kind ${JSON.stringify((s as ConstraintSpec).kind)}; use one of ${CONSTRAINT_KINDS.join(", ")}`);
  }
  if (out.length === 0) throw new ValueError(`${op}: the constraints are empty: it takes at least two groups with rows (and, for equal_opportunity / equalized_odds, rows of each label in them)`);
  const matrix = new Float64Array(out.length * n);
  out.forEach((c, j) => matrix.set(c.coef, j * n));
  return { constraints: out, n, matrix, offsets: Float64Array.from(out, (c) => c.offset), bounds: Float64Array.from(out, (c) => c.bound) };
}

/**
 * γ_j(h) - ε_j for every constraint (<= 0 where it holds), for decisions h in [0, 1].
 * @example gn.fairness.constraintViolations(set, [1, 0, 0, 0]) // [0.5 - 0.1, -0.5 - 0.1]
 */
export function constraintViolations(set: ConstraintSet, h: ArrayLike<number>): Float64Array {
  if (h.length !== set.n) throw new ValueError(`fairness.constraintViolations: ${h.length} decisions for constraints over ${set.n} rows`);
  const j = set.constraints.length;
  const out = new Float64Array(j);
  for (let c = 0; c < j; c++) {
    let s = set.offsets[c] - set.bounds[c];
    const base = c * set.n;
    for (let i = 0; i < set.n; i++) s += set.matrix[base + i] * h[i];
    out[c] = s;
  }
  return out;
}

/** The largest violation max_j (γ_j - ε_j); <= 0 when every constraint holds. @example gn.fairness.maxViolation(new Float64Array([-0.1, 0.02])) // 0.02 */
export function maxViolation(v: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  return m;
}
