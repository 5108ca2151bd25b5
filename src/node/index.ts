/**
 * gradnav's Node-only helpers ("gradnav/node"): checkpoints in folders and a terminal progress bar.
 * The core ("gradnav") stays browser-safe; import this entry next to it in Node.
 *
 * @example
 * import * as gn from "gradnav";
 * import { saveCheckpoint, loadCheckpoint, progressReporter } from "gradnav/node";
 * const r = await gn.train.fit(model, data.train, { onProgress: progressReporter() });
 * saveCheckpoint("runs/iris", { model, params: r.params, state: r.modelState, inputShape: [4], task: r.task, loss: r.lossName, training: r.training });
 */
export { saveCheckpoint, loadCheckpoint } from "./checkpoint.js";
export { progressReporter, type ProgressStream } from "./progress.js";
export { saveEveryEpoch } from "./epochCheckpoints.js";
