/** A callback that saves a checkpoint after every epoch (Node), e.g. for influence estimates (TracIn) over training. */
import { join } from "node:path";
import type { Callback } from "../train/callbacks.js";
import type { Checkpoint } from "../train/checkpoint.js";
import { saveCheckpoint } from "./checkpoint.js";

/**
 * Saves the model (and, by default, the training state) to `dir/epoch-0001`, `dir/epoch-0002`, ...
 * after every `every`-th epoch (default 1). `base` gives what the checkpoint describes besides the
 * weights: model, input shape, task, loss, preprocessing, dataset.
 * @example
 * await gn.train.fit(model, data.train, { callbacks: [saveEveryEpoch("runs/iris/epochs", { model, inputShape: [4], task: "classification", loss: "softmaxCrossEntropy" })] });
 */
export function saveEveryEpoch(dir: string, base: Omit<Checkpoint, "params" | "state" | "training">, opts: { every?: number; withOptimizer?: boolean } = {}): Callback {
  const every = opts.every ?? 1;
  return {
    onEpochEnd(log, ctx) {
      if (log.epoch % every !== 0) return;
      saveCheckpoint(join(dir, `epoch-${String(log.epoch).padStart(4, "0")}`), {
        ...base,
        params: ctx.params,
        state: ctx.modelState,
        metrics: { history: [...ctx.history] },
        training: opts.withOptimizer === false ? null : ctx.snapshot(),
      });
    },
  };
}
