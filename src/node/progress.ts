/** Training progress on a terminal (Node): a redrawn bar on a TTY, one line per epoch otherwise. */
import { type ProgressEvent, formatEpochLog, formatProgressBar } from "../train/progress.js";

/** Where progress goes: a writable stream, such as process.stderr. */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * A fit `onProgress` handler that writes to `stream` (default process.stderr): on a TTY a bar redrawn
 * in place at most every `intervalMs` (default 100) and a line per finished epoch; on a pipe or file
 * only the epoch lines, so logs stay readable.
 * @example await gn.train.fit(model, data.train, { onProgress: progressReporter() });
 */
export function progressReporter(stream: ProgressStream = process.stderr, opts: { intervalMs?: number; tty?: boolean } = {}): (e: ProgressEvent) => void {
  const tty = opts.tty ?? !!stream.isTTY;
  const interval = opts.intervalMs ?? 100;
  let last = 0;
  let barShown = false;
  const clear = () => {
    if (barShown) stream.write("\r\x1b[2K");
    barShown = false;
  };
  return (e) => {
    if (e.kind === "batch") {
      if (!tty) return;
      const now = Date.now();
      if (now - last < interval && e.batch < e.batches) return;
      last = now;
      const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 60));
      stream.write(`\r\x1b[2K${formatProgressBar(e, width)}`);
      barShown = true;
    } else if (e.kind === "epoch") {
      clear();
      stream.write(formatEpochLog(e.log, e.epochs) + "\n");
    } else if (e.kind === "end") {
      clear();
      if (e.status !== "completed") stream.write(`stopped after epoch ${e.epoch}: ${e.status === "earlyStopping" ? "early stopping" : e.status}\n`);
    }
  };
}
