/**
 * The gradnav command line: train, eval, predict, audit, datasets, demo. `run(argv)` returns the exit code
 * (0 ok, 1 runtime error, 2 usage error, 130 interrupted) instead of exiting, so tests can call it.
 */
import "../index.js"; // registers the backends
import { Command, CommanderError } from "commander";
import { auditCommand } from "./audit/index.js";
import { datasetsCommand } from "./datasets.js";
import { demoCommand } from "./demo.js";
import { EXIT, describeError } from "./errors.js";
import { evalCommand } from "./evaluate.js";
import { type Output, streamOutput } from "./output.js";
import { predictCommand } from "./predict.js";
import { trainCommand } from "./train.js";

/** The version printed by --version. @example gradnav --version */
export const VERSION = "0.1.0";

/** Builds the program; each command's action calls `done` with its exit code. @example await program(streamOutput(process.stdout), (c) => (code = c)).parseAsync(argv) */
export function program(out: Output, done: (code: number) => void): Command {
  const p = new Command("gradnav")
    .description("gradnav: train, evaluate and use models with exact derivatives (TypeScript, no native code)")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", "\nExit codes: 0 ok, 1 runtime error (e.g. bad data), 2 usage error, 130 interrupted.\nStart with: gradnav demo");
  for (const make of [trainCommand, evalCommand, predictCommand, auditCommand, datasetsCommand, demoCommand]) p.addCommand(make(out, done));
  // Commander exits by itself on errors; make every command throw instead, so the exit code is ours.
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(p);
  return p;
}

/**
 * Runs the command line `argv` (as process.argv: node, script, args...) and returns the exit code.
 * @example process.exitCode = await run(process.argv);
 */
export async function run(argv: readonly string[], out: Output = streamOutput(process.stdout), err: (s: string) => void = (s) => void process.stderr.write(s)): Promise<number> {
  let code: number = EXIT.ok;
  const p = program(out, (c) => (code = c));
  if (argv.length <= 2) {
    err(p.helpInformation());
    return EXIT.usage;
  }
  try {
    await p.parseAsync(argv as string[]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are successes; every other commander error is a usage error (already printed).
      // A parent command run without a subcommand (gradnav audit) shows its help as an error (exitCode 1): a usage error.
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" || (e.code === "commander.help" && e.exitCode === 0) ? EXIT.ok : EXIT.usage;
    }
    const { message, code: c } = describeError(e);
    const sub = argv[2] && !argv[2].startsWith("-") ? ` ${argv[2]}` : "";
    err(`gradnav${sub}: error: ${message}\n`);
    return c;
  }
}
