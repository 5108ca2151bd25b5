/**
 * Progress of a fit run as plain events (fit's `onProgress`), and the text a terminal shows for them.
 * Nothing here writes anywhere: the Node entry (`gradnav/node`'s progressReporter) draws a bar on a
 * TTY and prints one line per epoch otherwise; a browser page can render the same events its own way.
 */
import type { EpochLog, FitStatus } from "./callbacks.js";
import type { Metrics } from "./evaluate.js";

/** An event of a fit run. */
export type ProgressEvent =
  | { kind: "begin"; epochs: number; startEpoch: number; batches: number; samples: number }
  | { kind: "batch"; epoch: number; epochs: number; batch: number; batches: number; loss: number; seconds: number }
  | { kind: "epoch"; log: EpochLog; epochs: number }
  | { kind: "end"; status: FitStatus; epoch: number; seconds: number };

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

/** Metrics as "loss 0.1234  accuracy 0.9650", with an optional prefix on each name. @example gn.train.formatMetrics({ loss: 0.5 }, "val_") // "val_loss 0.5000" */
export function formatMetrics(m: Metrics, prefix = ""): string {
  return Object.entries(m)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${prefix}${k} ${fmt(v as number)}`)
    .join("  ");
}

/**
 * One line for an epoch: "epoch 3/10  loss 0.1234  accuracy 0.9650  val_loss 0.1400  val_accuracy 0.9600  1.2s  5120 samples/s".
 * @example gn.train.formatEpochLog(result.history[0], 10)
 */
export function formatEpochLog(log: EpochLog, epochs: number): string {
  const parts = [`epoch ${log.epoch}/${epochs}`, formatMetrics(log.train)];
  if (log.validation) parts.push(formatMetrics(log.validation, "val_"));
  parts.push(`${log.seconds.toFixed(1)}s`, `${Math.round(log.samplesPerSecond)} samples/s`);
  return parts.join("  ");
}

/**
 * A progress bar for a batch event, `width` characters for the bar itself:
 * "epoch 3/10 [=======>            ] 12/40  loss 0.2345  1.2s".
 * @example gn.train.formatProgressBar({ kind: "batch", epoch: 1, epochs: 5, batch: 3, batches: 10, loss: 0.5, seconds: 0.4 })
 */
export function formatProgressBar(e: Extract<ProgressEvent, { kind: "batch" }>, width = 24): string {
  const done = Math.min(width, Math.floor((e.batch / e.batches) * width));
  const bar = "=".repeat(done) + (done < width ? ">" + " ".repeat(width - done - 1) : "");
  return `epoch ${e.epoch}/${e.epochs} [${bar}] ${e.batch}/${e.batches}  loss ${fmt(e.loss)}  ${e.seconds.toFixed(1)}s`;
}
