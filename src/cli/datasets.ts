/** `gradnav datasets`: the built-in datasets with their size, task and licence. */
import { Command } from "commander";
import { listDatasets } from "../data/datasets.js";
import { EXIT } from "./errors.js";
import type { Output } from "./output.js";

/** The `datasets` command. @example program.addCommand(datasetsCommand(out, done)) */
export function datasetsCommand(out: Output, done: (code: number) => void): Command {
  return new Command("datasets")
    .description("list the built-in datasets (name, rows, features, task, licence)")
    .option("--json", "print one JSON object to stdout")
    .action((o: { json?: boolean }) => {
      const list = listDatasets().map((d) => ({ name: d.name, rows: d.rows, features: d.features, task: d.task, classes: d.classes, testRows: d.testRows, licence: d.licence, description: d.description }));
      if (o.json) out.json({ command: "datasets", datasets: list });
      else {
        const rows = list.map((d) => [d.name, String(d.rows), String(d.features), d.task === "classification" ? `classification (${d.classes})` : d.task, d.licence]);
        const header = ["name", "rows", "features", "task", "licence"];
        const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
        for (const r of [header, ...rows]) out.line(r.map((v, j) => (j === r.length - 1 ? v : v.padEnd(widths[j]))).join("  "));
      }
      done(EXIT.ok);
    });
}
