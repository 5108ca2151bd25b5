/** Loading the data a command names: a built-in dataset or a CSV file, split and preprocessed. */
import { existsSync } from "node:fs";
import type { Dataset, Task } from "../data/dataset.js";
import { readCsv } from "../data/dataset.js";
import { listDatasets, loadDataset } from "../data/datasets.js";
import { type Prepared, Preprocessor, fitPreprocessor } from "../data/preprocess.js";
import { type Split, splitDataset } from "../data/split.js";
import { key as makeKey } from "../random/index.js";
import type { DatasetDescription } from "../train/checkpoint.js";
import { UsageError } from "./errors.js";

/** How to read the data: a built-in name or a CSV path, and for CSVs the target column and task. */
export interface DataSource {
  data: string;
  target?: string;
  task?: Task;
}

/** True when `name` is a built-in dataset. @example isBuiltin("iris") // true */
export function isBuiltin(name: string): boolean {
  return listDatasets().some((d) => d.name === name);
}

/**
 * Reads the dataset a command names. A built-in name wins; otherwise it must be a CSV file. An
 * unknown name that does not look like a file is a usage error that lists the built-in datasets.
 * @example const ds = readData({ data: "houses.csv", target: "price" });
 */
export function readData(src: DataSource): Dataset {
  if (isBuiltin(src.data)) {
    if (src.target !== undefined) throw new UsageError(`--target is for CSV files; the built-in dataset "${src.data}" has its own target`);
    return loadDataset(src.data);
  }
  if (!existsSync(src.data) && !/[\\/]|\.csv(\.gz)?$/i.test(src.data))
    throw new UsageError(`unknown dataset "${src.data}"; the built-in datasets are: ${listDatasets().map((d) => d.name).join(", ")} (or give a CSV file)`);
  return readCsv(src.data, { target: src.target, task: src.task });
}

/** Split fractions and seed. */
export interface SplitSpec {
  seed: number;
  validation: number;
  test: number;
}

/** Tensors for the three splits, with the preprocessor (fitted on train, or the one given) and the split's rows. */
export interface PreparedSplits {
  dataset: Dataset;
  split: Split;
  preprocessor: Preprocessor;
  train: Prepared;
  validation: Prepared;
  test: Prepared;
}

/** Splits (seeded, stratified) and preprocesses; with `preprocessor` (a saved one) nothing is refitted. @example prepareSplits(ds, { seed: 0, validation: 0.15, test: 0.25 }) */
export function prepareSplits(ds: Dataset, s: SplitSpec, preprocessor?: unknown): PreparedSplits {
  if (s.validation + s.test >= 1) throw new UsageError(`--validation ${s.validation} and --test ${s.test} leave no rows to train on; keep their sum below 1`);
  const split = splitDataset(ds, makeKey(s.seed), { validation: s.validation, test: s.test });
  const prep = preprocessor !== undefined && preprocessor !== null ? Preprocessor.fromJSON(preprocessor) : fitPreprocessor(ds, split.train);
  return {
    dataset: ds,
    split,
    preprocessor: prep,
    train: prep.transform(ds, split.train),
    validation: prep.transform(ds, split.validation),
    test: prep.transform(ds, split.test),
  };
}

/** What a checkpoint records about the data. @example describeData({ data: "iris" }, ds, split).classNames */
export function describeData(src: DataSource, ds: Dataset, s: SplitSpec): DatasetDescription & { builtin: boolean; csvTask?: Task } {
  return {
    name: src.data,
    builtin: isBuiltin(src.data),
    target: ds.target,
    task: ds.task,
    classes: [...ds.classes],
    classNames: [...ds.classNames],
    split: { seed: s.seed, validation: s.validation, test: s.test },
    ...(src.task ? { csvTask: src.task } : {}),
  };
}
