/** Synthetic data with a known bias, shared by the fairness tests. */
import * as gn from "../src/index.js";

const f64 = { dtype: "float64" as const };

/** Two groups; group F is shifted on the feature that drives the label, so F is selected less. */
export function biased(n: number, seed: number) {
  const [k1, k2, k3] = gn.random.split(gn.random.key(seed), 3);
  const a = gn.random.uniform(k1, [n], f64).toTypedArray();
  const z = gn.random.normal(k2, [n, 3], f64).toTypedArray();
  const u = gn.random.uniform(k3, [n], f64).toTypedArray();
  const rows: number[][] = [];
  const y: number[] = [];
  const sex: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = a[i] < 0.4;
    const x = [z[3 * i] + (f ? -0.8 : 0.4), z[3 * i + 1], z[3 * i + 2] + (f ? 0.5 : 0)];
    rows.push(x);
    sex.push(f ? "F" : "M");
    y.push(u[i] < 1 / (1 + Math.exp(-(1.2 * x[0] - 0.7 * x[1] + 0.3 * x[2] - 0.2))) ? 1 : 0);
  }
  return { x: gn.tensor(rows, f64), y, sex };
}
