/** Checkpoints in folders (Node): gn.train.encodeCheckpoint's files written to disk, and read back. */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ValueError } from "../core/errors.js";
import { type Checkpoint, type ModelJson, CHECKPOINT_FILES, decodeCheckpoint, encodeCheckpoint } from "../train/checkpoint.js";

/**
 * Writes a checkpoint into `dir` (created if needed): model.safetensors, model.json and, with a
 * training state, optimizer.safetensors and optimizer.json. Each file is written to a temporary name
 * and renamed, so an interrupted save never leaves a half-written file under the real name. Optimizer
 * files left from an earlier save are removed when this checkpoint has no training state.
 * @example saveCheckpoint("runs/iris", { model, params: r.params, state: r.modelState, inputShape: [4], task: "classification", loss: r.lossName, training: r.training });
 */
export function saveCheckpoint(dir: string, c: Checkpoint): void {
  mkdirSync(dir, { recursive: true });
  const files = encodeCheckpoint(c);
  for (const [name, bytes] of Object.entries(files)) {
    const tmp = join(dir, `.${name}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, join(dir, name));
  }
  if (!c.training) for (const name of [CHECKPOINT_FILES.optimizer, CHECKPOINT_FILES.optimizerJson]) rmSync(join(dir, name), { force: true });
}

/**
 * Reads the checkpoint in `dir` (see gn.train.decodeCheckpoint). Throws a ValueError when the folder
 * or its model files are missing, or the files are not a gradnav checkpoint.
 * @example const ckpt = loadCheckpoint("runs/iris"); gn.train.predict(ckpt.model, ckpt.params, x);
 */
export function loadCheckpoint(dir: string): Checkpoint & { json: ModelJson } {
  if (!existsSync(join(dir, CHECKPOINT_FILES.modelJson)))
    throw new ValueError(`no checkpoint in ${JSON.stringify(dir)}: ${CHECKPOINT_FILES.modelJson} is missing (train one with: gradnav train ... --out ${dir})`);
  const files: Record<string, Uint8Array> = {};
  for (const name of Object.values(CHECKPOINT_FILES)) {
    const p = join(dir, name);
    // A plain copy: Node's Buffer.slice returns views, which the safetensors reader's slices must not see.
    if (existsSync(p)) files[name] = new Uint8Array(readFileSync(p));
  }
  return decodeCheckpoint(files, dir);
}
