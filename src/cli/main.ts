#!/usr/bin/env node
/** The `gradnav` executable (package.json "bin"). */
import { run } from "./index.js";

process.exitCode = await run(process.argv);
