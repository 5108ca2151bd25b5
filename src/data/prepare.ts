/** One call from a dataset to train/validation/test tensors: split, fit on train, transform all three. */
import type { DType } from "../core/dtype.js";
import { type Key, key as makeKey } from "../random/index.js";
import type { Dataset } from "./dataset.js";
import { type PreprocessOptions, type Prepared, type Preprocessor, fitPreprocessor } from "./preprocess.js";
import { type Split, type SplitDatasetOptions, splitDataset } from "./split.js";

/** Options of `prepare`: the split, the preprocessing, and the float dtype of x. */
export interface PrepareOptions extends SplitDatasetOptions, PreprocessOptions {
  /** Key for the split (default: gn.random.key(seed)). */
  key?: Key;
  /** Seed for the split when no key is given (default 0). */
  seed?: number;
  /** float32 (default) or float64 features. */
  dtype?: DType;
}

/** A dataset split and turned into tensors, with the preprocessor fitted on its training rows. */
export interface PreparedData {
  readonly dataset: Dataset;
  readonly split: Split;
  readonly preprocessor: Preprocessor;
  readonly train: Prepared;
  readonly validation: Prepared;
  readonly test: Prepared;
}

/**
 * Splits a dataset (seeded, stratified), fits the preprocessor on the training rows only, and
 * transforms the three splits into tensors. Same errors as `splitDataset` and `fitPreprocessor`.
 *
 * @example
 * const data = gn.data.prepare(gn.data.loadDataset("breast-cancer-wisconsin"), { seed: 1 });
 * data.train.x.shape;              // [399, 30]
 * data.preprocessor.featureNames;  // ["mean_radius", ...]
 * const saved = JSON.stringify(data.preprocessor);
 */
export function prepare(ds: Dataset, opts: PrepareOptions = {}): PreparedData {
  const split = splitDataset(ds, opts.key ?? makeKey(opts.seed ?? 0), opts);
  const preprocessor = fitPreprocessor(ds, split.train, opts);
  const t = { dtype: opts.dtype };
  return {
    dataset: ds,
    split,
    preprocessor,
    train: preprocessor.transform(ds, split.train, t),
    validation: preprocessor.transform(ds, split.validation, t),
    test: preprocessor.transform(ds, split.test, t),
  };
}
