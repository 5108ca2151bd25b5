/**
 * The units perturbation budgets are given in on the command line (`audit robustness --eps`,
 * `train --adv-eps`), and how they map to the model's preprocessed inputs.
 *
 * Tabular models see standardised features, so a budget is in standard deviations of each feature.
 * Image models see pixels scaled by one shared shift and scale; a budget in those units means little
 * to a person, so for images it is a fraction of the data's pixel range (MNIST: 0..255, so 0.1 is
 * 25.5 grey levels, the usual "epsilon = 0.1" on [0, 1] images), and attacked images are kept
 * inside that range.
 */
import type { Dataset } from "../../data/dataset.js";
import type { PreprocessorSpec } from "../../data/preprocess.js";

/** How a budget on the command line maps to the model's inputs. */
export interface InputUnits {
  /** Model-input units per unit of the budget: epsilon in model units = epsilon * factor. */
  factor: number;
  /** The valid input range in model units (images), or null (tabular data: unbounded). */
  bounds: [number, number] | null;
  /** What one unit is, in words, for reports. */
  unit: string;
  /** "pixel-range" for images given as a fraction of the pixel range, else the preprocessor's scaling. */
  kind: "pixel-range" | PreprocessorSpec["scaling"];
}

/** The smallest and largest raw value over every numeric column of a dataset (an image dataset's pixel range). */
export function pixelRange(ds: Dataset): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of ds.columns) {
    if (c.kind !== "numeric") continue;
    const v = c.values;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  return [lo, hi];
}

const TABULAR: Record<PreprocessorSpec["scaling"], string> = {
  standard: "standard deviations of each feature (the model's standardised inputs; 0/1 and one-hot columns count in their own units)",
  global: "the pooled standard deviation of the features (the model's scaled inputs)",
  minmax: "fractions of each feature's training range (the model's min-max scaled inputs)",
  none: "the features' own units (the model's inputs are not scaled)",
};

/**
 * The units of a budget for a model with this preprocessing. For an image model (`pixels` given:
 * the data's pixel range) whose pixels share one shift and scale, a budget is a fraction of the pixel
 * range and inputs are bounded to it; otherwise a budget is in the model's own input units.
 * @example inputUnits(prep.spec, [0, 255]).factor // 255 / pixel std for MNIST
 */
export function inputUnits(spec: PreprocessorSpec, pixels?: readonly [number, number]): InputUnits {
  const numeric = spec.columns.filter((c) => c.kind === "numeric");
  const shared = numeric.length > 0 && numeric.every((c) => c.kind === "numeric" && c.shift === (numeric[0] as { shift: number }).shift && c.scale === (numeric[0] as { scale: number }).scale);
  if (spec.imageShape && pixels && shared && pixels[1] > pixels[0]) {
    const { shift, scale } = numeric[0] as { shift: number; scale: number };
    const [lo, hi] = pixels;
    return {
      factor: (hi - lo) / scale,
      bounds: [(lo - shift) / scale, (hi - shift) / scale],
      unit: `fraction of the pixel range [${lo}, ${hi}] (0.1 = ${+(0.1 * (hi - lo)).toFixed(3)} grey levels); attacked images stay in that range`,
      kind: "pixel-range",
    };
  }
  return { factor: 1, bounds: null, unit: TABULAR[spec.scaling], kind: spec.scaling };
}
