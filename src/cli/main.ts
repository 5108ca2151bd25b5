#!/usr/bin/env node
/** The `gradnav` executable (package.json "bin"). */
import { run } from "./index.js";

// A reader that stops early (`gradnav predict ... | head`) closes the pipe: stop quietly, as Unix
// tools do, instead of dying on an unhandled EPIPE with a stack trace. Other errors still surface.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

process.exitCode = await run(process.argv);
