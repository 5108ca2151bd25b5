/**
 * `gradnav train --adversarial pgd --adv-eps E [--adv-steps N]`: the options, what the checkpoint
 * records of them (so --resume goes on the same way), and fit's `adversarial` option built from them,
 * with the budget in the units of `gradnav audit robustness --eps` (./audit/units.ts).
 */
import type { Dataset } from "../data/dataset.js";
import type { PreprocessorSpec } from "../data/preprocess.js";
import type { AdversarialTrainingOptions } from "../train/adversarial.js";
import { inputUnits, pixelRange } from "./audit/units.js";
import { UsageError } from "./errors.js";

/** What the checkpoint's config records: the attack, its budget (command-line units) and steps. */
export interface AdversarialConfig {
  attack: "pgd";
  epsilon: number;
  steps: number;
  unit: string;
}

/** The config entry for the command-line options (null without --adversarial); usage errors for options given alone. */
export function adversarialConfig(o: { adversarial?: string; advEps?: number; advSteps?: number }, spec: PreprocessorSpec, ds: Dataset): AdversarialConfig | null {
  if (o.adversarial === undefined) {
    if (o.advEps !== undefined || o.advSteps !== undefined) throw new UsageError(`--adv-eps and --adv-steps set up adversarial training; add --adversarial pgd`);
    return null;
  }
  if (o.advEps === undefined) throw new UsageError(`--adversarial ${o.adversarial} needs the attack's budget: --adv-eps (standard deviations for tabular data, a fraction of the pixel range for images; e.g. --adv-eps 0.1)`);
  if (ds.task !== "classification") throw new UsageError(`--adversarial needs a classification task; ${ds.name} is a regression dataset`);
  const units = inputUnits(spec, spec.imageShape ? pixelRange(ds) : undefined);
  return { attack: "pgd", epsilon: o.advEps, steps: o.advSteps ?? 7, unit: units.unit };
}

/** fit's `adversarial` option for a recorded config: the budget turned into model-input units, images kept in their pixel range. */
export function adversarialTraining(c: AdversarialConfig | null | undefined, spec: PreprocessorSpec, ds: Dataset): AdversarialTrainingOptions | undefined {
  if (!c) return undefined;
  const units = inputUnits(spec, spec.imageShape ? pixelRange(ds) : undefined);
  return { epsilon: c.epsilon * units.factor, steps: c.steps, bounds: units.bounds ?? undefined };
}
