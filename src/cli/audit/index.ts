/**
 * `gradnav audit <subcommand>`: audits of a saved model with derivatives. One file per subcommand;
 * a new audit adds its command to AUDIT_SUBCOMMANDS.
 */
import { Command } from "commander";
import type { Output } from "../output.js";
import { counterfactualCommand } from "./counterfactual.js";
import { fairnessCommand, influenceCommand } from "./fairness.js";
import { robustnessCommand } from "./robustness.js";
import { sensitivityCommand } from "./sensitivity.js";

/** The audit subcommands, each `(out, done) => Command`. */
export const AUDIT_SUBCOMMANDS: readonly ((out: Output, done: (code: number) => void) => Command)[] = [
  sensitivityCommand,
  robustnessCommand,
  counterfactualCommand,
  fairnessCommand,
  influenceCommand,
];

/** The `audit` command: a parent of the audit subcommands. */
export function auditCommand(out: Output, done: (code: number) => void): Command {
  const c = new Command("audit")
    .description("audit a model: sensitivity (which features matter), robustness (accuracy under attack), counterfactual (what would change a decision), fairness (metrics by group), influence (the training rows behind a fairness gap)")
    .addHelpText("after", "\nExamples:\n  gradnav audit sensitivity --model runs/cancer --top 5\n  gradnav audit robustness --model runs/cancer --eps 0,0.1,0.2 --json\n  gradnav audit counterfactual --model runs/cancer --row 13\n  gradnav audit fairness --data adult --sensitive sex,race");
  for (const make of AUDIT_SUBCOMMANDS) c.addCommand(make(out, done));
  return c;
}
