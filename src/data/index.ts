/**
 * Data: CSV and IDX readers, built-in datasets, seeded stratified splits, a fitted preprocessing
 * pipeline, and mini-batches. Everything here bundles for the browser; functions that read files
 * (readCsv, readCsvTable, readIdx, loadDataset, loadDatasetTable) need Node >= 20.16.
 *
 * @example
 * const data = gn.data.prepare(gn.data.loadDataset("iris"), { seed: 0 });
 * for (const { x, y } of gn.data.batches(data.train, { batchSize: 16, key: gn.random.key(1) })) {
 *   // x: [16, 4] float32, y: [16] int32
 * }
 */
export { DataError, type DataLocation } from "./errors.js";
export { type CsvTable, type CsvOptions, parseCsv, readCsvTable } from "./csv.js";
export { type ColumnKind, type InferredColumn, DEFAULT_MISSING_TOKENS, parseNumber, parseBoolean, inferColumn } from "./schema.js";
export {
  type Task,
  type Column,
  type NumericColumn,
  type CategoricalColumn,
  type Dataset,
  type DatasetOptions,
  datasetFromTable,
  featureColumns,
  readCsv,
} from "./dataset.js";
export { type IdxArray, type IdxType, parseIdx, readIdx } from "./idx.js";
export { type Split, type SplitOptions, type SplitDatasetOptions, splitRows, splitDataset, quantileBins } from "./split.js";
export {
  type Scaling,
  type PreprocessOptions,
  type PreprocessorSpec,
  type NumericColumnSpec,
  type CategoricalColumnSpec,
  type Prepared,
  type PreparedTable,
  MISSING_CATEGORY,
  Preprocessor,
  fitPreprocessor,
} from "./preprocess.js";
export { type PrepareOptions, type PreparedData, prepare } from "./prepare.js";
export { type Batch, type BatchOptions, batches, batchCount } from "./batches.js";
export { type DatasetInfo, listDatasets, loadDataset, loadDatasetTable } from "./datasets.js";
export { type Groups, groupsOf, dropColumns } from "./groups.js";
