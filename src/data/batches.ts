/** Mini-batches over prepared rows, shuffled by a key: a new key per epoch gives a new order. */
import { ValueError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { type Key, permutation } from "../random/index.js";

/** One mini-batch: rows of x and y, and their positions in the prepared data. */
export interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
  /** Positions (rows of the full x) in this batch. */
  readonly indices: readonly number[];
}

/** Options of `batches`. */
export interface BatchOptions {
  /** Rows per batch (the last batch may be smaller unless dropLast). */
  batchSize: number;
  /** Shuffle with this key; without one, rows come in order. */
  key?: Key;
  /** Leave out a final batch smaller than batchSize. Default false. */
  dropLast?: boolean;
}

/**
 * Iterates over mini-batches of `data.x` and `data.y` (same first dimension), gathered on the backend
 * with `take`. Every row appears exactly once per pass. Throws a ValueError for a batch size that is not
 * a positive integer or x and y of different lengths.
 *
 * @example
 * const key = gn.random.key(0);
 * for (let epoch = 0; epoch < 10; epoch++)
 *   for (const { x, y } of gn.data.batches(train, { batchSize: 32, key: gn.random.foldIn(key, epoch) }))
 *     step(x, y);
 */
export function* batches(data: { readonly x: Tensor; readonly y: Tensor }, opts: BatchOptions): Generator<Batch> {
  const { batchSize } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`batches: batchSize must be a positive integer, got ${batchSize}`);
  const n = data.x.shape[0];
  if (data.x.ndim === 0 || data.y.ndim === 0 || data.y.shape[0] !== n)
    throw new ValueError(`batches: x (shape [${data.x.shape.join(", ")}]) and y (shape [${data.y.shape.join(", ")}]) need the same number of rows`);
  const order = opts.key === undefined ? Array.from({ length: n }, (_, i) => i) : permutation(opts.key, n);
  const end = opts.dropLast ? n - (n % batchSize) : n;
  for (let start = 0; start < end; start += batchSize) {
    const indices = order.slice(start, Math.min(start + batchSize, end));
    yield { x: data.x.take(indices, 0), y: data.y.take(indices, 0), indices };
  }
}

/**
 * The number of batches `batches` yields for `rows` rows.
 * @example gn.data.batchCount(105, 32) // 4
 */
export function batchCount(rows: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(rows / batchSize) : Math.ceil(rows / batchSize);
}
