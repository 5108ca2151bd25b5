/**
 * The built-in datasets: shipped in the package's `datasets/` folder (each with a README giving
 * source, licence, citation and sha256), loaded by name; nothing is downloaded. `listDatasets` is
 * plain data and works anywhere; `loadDataset` reads files and needs Node (see host.ts).
 */
import { type CsvTable, parseCsv } from "./csv.js";
import { type Column, type Dataset, type DatasetOptions, type Task, datasetFromTable } from "./dataset.js";
import { DataError } from "./errors.js";
import { fileUrl, readFileBytes } from "./host.js";
import { parseIdx } from "./idx.js";

/** What a built-in dataset is, without loading it. */
export interface DatasetInfo {
  readonly name: string;
  readonly description: string;
  readonly task: Task;
  /** Rows that `loadDataset` returns (official train + test together, where there are both). */
  readonly rows: number;
  /** Raw feature columns (before one-hot encoding). */
  readonly features: number;
  /** Number of classes (0 for regression). */
  readonly classes: number;
  /** Rows of the official test set inside `rows` (0 when there is none: `splitDataset` then draws one). */
  readonly testRows: number;
  readonly licence: string;
  readonly citation: string;
  /** Sensitive feature columns, for fairness analyses. */
  readonly sensitive: readonly string[];
  /** Files in `datasets/<name>/` (loadDatasetTable reads the CSV ones by name). */
  readonly files: readonly string[];
}

interface Builtin extends DatasetInfo {
  load(dir: URL): Dataset;
}

const UCI_VIA_SKLEARN = "BSD-3-Clause (scikit-learn copy); upstream CC BY 4.0 (UCI)";

function csvTable(dir: URL, file: string): CsvTable {
  const url = new URL(file, dir);
  return parseCsv(readFileBytes(url), { source: `datasets/${dir.pathname.split("/").slice(-2)[0]}/${file}` });
}

function fromCsv(info: Omit<Builtin, "load">, file: string, opts: DatasetOptions, imageShape?: [number, number]): Builtin {
  return {
    ...info,
    load(dir) {
      const ds = datasetFromTable(csvTable(dir, file), { ...opts, name: info.name, sensitive: info.sensitive });
      return imageShape === undefined ? ds : { ...ds, imageShape };
    },
  };
}

/** Concatenates tables with the same header (an official train file, then its test file). */
function concatTables(a: CsvTable, b: CsvTable): CsvTable {
  if (a.header.join(",") !== b.header.join(",")) throw new DataError({ source: b.source, line: b.headerLine }, `the header differs from ${a.source}'s`);
  return { source: `${a.source} + ${b.source}`, header: a.header, headerLine: a.headerLine, rows: [...a.rows, ...b.rows], lines: [...a.lines, ...b.lines] };
}

function mnist(dir: URL): Dataset {
  const read = (f: string) => parseIdx(readFileBytes(new URL(f, dir)), { source: `datasets/mnist/${f}` });
  const parts = [
    { images: read("train10k-images-idx3-ubyte.gz"), labels: read("train10k-labels-idx1-ubyte.gz") },
    { images: read("t10k-images-idx3-ubyte.gz"), labels: read("t10k-labels-idx1-ubyte.gz") },
  ];
  for (const p of parts)
    if (p.images.magic !== 2051 || p.labels.magic !== 2049 || p.images.shape[0] !== p.labels.shape[0])
      throw new DataError({ source: "datasets/mnist" }, "the MNIST files do not have the expected magic numbers (2051 images, 2049 labels) or counts");
  const [h, w] = [parts[0].images.shape[1], parts[0].images.shape[2]];
  const rows = parts[0].labels.shape[0] + parts[1].labels.shape[0];
  const d = h * w;
  // Column-major, as every dataset's columns are: one Uint8Array per pixel.
  const columns: Column[] = [];
  for (let j = 0; j < d; j++) columns.push({ name: `pixel_${Math.floor(j / w)}_${j % w}`, kind: "numeric", values: new Uint8Array(rows) });
  const labels = new Int32Array(rows);
  let base = 0;
  for (const p of parts) {
    const n = p.labels.shape[0];
    const img = p.images.data;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) (columns[j].values as Uint8Array)[base + i] = img[i * d + j];
      labels[base + i] = p.labels.data[i];
    }
    base += n;
  }
  const classes = Array.from({ length: 10 }, (_, i) => String(i));
  return {
    name: "mnist",
    task: "classification",
    rows,
    columns,
    target: "label",
    labels,
    classes,
    classNames: classes,
    sensitive: [],
    source: "datasets/mnist",
    testRows: Int32Array.from({ length: parts[1].labels.shape[0] }, (_, i) => parts[0].labels.shape[0] + i),
    imageShape: [h, w],
    droppedRows: 0,
    missingTokens: [],
  };
}

const BUILTINS: readonly Builtin[] = [
  fromCsv(
    {
      name: "iris",
      description: "Fisher's iris flowers: 4 measurements, 3 species",
      task: "classification",
      rows: 150,
      features: 4,
      classes: 3,
      testRows: 0,
      licence: UCI_VIA_SKLEARN,
      citation: 'R. A. Fisher (1936), "The use of multiple measurements in taxonomic problems", Annals of Eugenics 7(2)',
      sensitive: [],
      files: ["iris.csv"],
    },
    "iris.csv",
    { target: "target", exclude: ["species"], classNames: ["setosa", "versicolor", "virginica"] },
  ),
  fromCsv(
    {
      name: "wine",
      description: "Chemical analysis of wines from 3 cultivars: 13 measurements",
      task: "classification",
      rows: 178,
      features: 13,
      classes: 3,
      testRows: 0,
      licence: UCI_VIA_SKLEARN,
      citation: 'M. Forina et al., PARVUS (1991), "Wine", UCI Machine Learning Repository',
      sensitive: [],
      files: ["wine.csv"],
    },
    "wine.csv",
    { target: "target", classNames: ["class_0", "class_1", "class_2"] },
  ),
  fromCsv(
    {
      name: "breast-cancer-wisconsin",
      description: "Breast cancer diagnosis (WDBC): 30 cell-nucleus features, malignant vs benign",
      task: "classification",
      rows: 569,
      features: 30,
      classes: 2,
      testRows: 0,
      licence: UCI_VIA_SKLEARN,
      citation: 'W. N. Street, W. H. Wolberg, O. L. Mangasarian, "Nuclear feature extraction for breast tumor diagnosis", SPIE 1905 (1993)',
      sensitive: [],
      files: ["breast_cancer_wisconsin.csv"],
    },
    "breast_cancer_wisconsin.csv",
    { target: "target", exclude: ["diagnosis"], classNames: ["malignant", "benign"] },
  ),
  fromCsv(
    {
      name: "diabetes",
      description: "Diabetes progression one year after baseline: 10 raw (unscaled) measurements",
      task: "regression",
      rows: 442,
      features: 10,
      classes: 0,
      testRows: 0,
      licence: "BSD-3-Clause (scikit-learn copy)",
      citation: 'B. Efron, T. Hastie, I. Johnstone, R. Tibshirani, "Least Angle Regression", Annals of Statistics 32(2), 2004',
      sensitive: ["sex"],
      files: ["diabetes.csv"],
    },
    "diabetes.csv",
    { target: "target", task: "regression" },
  ),
  fromCsv(
    {
      name: "digits-8x8",
      description: "Handwritten digits as 8x8 images of counts 0..16 (UCI optdigits test part)",
      task: "classification",
      rows: 1797,
      features: 64,
      classes: 10,
      testRows: 0,
      licence: UCI_VIA_SKLEARN,
      citation: 'E. Alpaydin, C. Kaynak (1998), "Optical Recognition of Handwritten Digits", UCI Machine Learning Repository',
      sensitive: [],
      files: ["digits.csv.gz"],
    },
    "digits.csv.gz",
    { target: "target" },
    [8, 8],
  ),
  {
    name: "mnist",
    description: "MNIST handwritten digits, 28x28: first 10,000 training images + the 10,000 official test images",
    task: "classification",
    rows: 20000,
    features: 784,
    classes: 10,
    testRows: 10000,
    licence: "CC BY-SA 3.0 (Y. LeCun, C. Cortes)",
    citation: 'Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to document recognition", Proc. IEEE 86(11), 1998',
    sensitive: [],
    files: ["train10k-images-idx3-ubyte.gz", "train10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
    load: mnist,
  },
  {
    name: "adult",
    description: "US census 1994: income above $50K, 13 demographic features (official train + test)",
    task: "classification",
    rows: 48842,
    features: 13,
    classes: 2,
    testRows: 16281,
    licence: "CC BY 4.0 (UCI)",
    citation: 'R. Kohavi, "Scaling Up the Accuracy of Naive-Bayes Classifiers: a Decision-Tree Hybrid", KDD 1996; "Adult", UCI, doi:10.24432/C5XW20',
    sensitive: ["sex", "race", "age"],
    files: ["adult_train.csv.gz", "adult_test.csv.gz"],
    load(dir: URL): Dataset {
      const train = csvTable(dir, "adult_train.csv.gz");
      const test = csvTable(dir, "adult_test.csv.gz");
      const table = concatTables(train, test);
      return datasetFromTable(table, {
        name: "adult",
        target: "label",
        // fnlwgt is a census sampling weight, not an attribute of the person; income is the label as text.
        exclude: ["fnlwgt", "income"],
        classNames: ["<=50K", ">50K"],
        sensitive: ["sex", "race", "age"],
        testRows: Int32Array.from({ length: test.rows.length }, (_, i) => train.rows.length + i),
      });
    },
  },
  fromCsv(
    {
      name: "german-credit",
      description: "Statlog German credit: good or bad credit risk, 20 attributes plus sex",
      task: "classification",
      rows: 1000,
      features: 21,
      classes: 2,
      testRows: 0,
      licence: "CC BY 4.0 (UCI)",
      citation: 'H. Hofmann (1994), "Statlog (German Credit Data)", UCI Machine Learning Repository',
      sensitive: ["sex", "age", "foreign_worker"],
      files: ["german_credit.csv"],
    },
    "german_credit.csv",
    { target: "label_bad", exclude: ["credit_risk"], classNames: ["good", "bad"] },
  ),
  fromCsv(
    {
      name: "restaurant-ratings",
      description: "Restaurant ratings 0..2 by 138 users of 130 restaurants (side tables: loadDatasetTable)",
      task: "regression",
      rows: 1161,
      features: 2,
      classes: 0,
      testRows: 0,
      licence: "CC BY 4.0 (UCI)",
      citation: 'B. Vargas-Govea, J. G. Gonzalez-Serna, R. Ponce-Medellin, "Effects of relevant contextual features in the performance of a restaurant recommender system", RecSys CARS-2011',
      sensitive: [],
      files: [
        "rating_final.csv",
        "userprofile.csv",
        "usercuisine.csv",
        "userpayment.csv",
        "geoplaces2.csv",
        "chefmozaccepts.csv",
        "chefmozcuisine.csv",
        "chefmozhours4.csv",
        "chefmozparking.csv",
      ],
    },
    "rating_final.csv",
    { target: "rating", task: "regression", exclude: ["food_rating", "service_rating"], kinds: { userID: "categorical", placeID: "categorical" } },
  ),
  fromCsv(
    {
      name: "option-prices",
      description: "DAX implied-volatility surface, 5 July 2002: 13 strikes x 8 maturities (Haug price tables: loadDatasetTable)",
      task: "regression",
      rows: 104,
      features: 5,
      classes: 0,
      testRows: 0,
      licence: "BSD-3-Clause style (QuantLib test suite)",
      citation: "A. Sepp (2003), DAX calibration data via QuantLib; E. G. Haug, The Complete Guide to Option Pricing Formulas, 1998",
      sensitive: [],
      files: ["dax_implied_vol_surface_2002-07-05.csv", "haug_european_bs_prices.csv", "haug_european_bs_greeks.csv"],
    },
    "dax_implied_vol_surface_2002-07-05.csv",
    { target: "implied_vol", task: "regression", exclude: ["days_to_expiry"] },
  ),
];

/** Where the datasets folder is: next to dist/ in the package (dist/src/data/ -> ../../../datasets/). */
const DEFAULT_DIR = new URL("../../../datasets/", import.meta.url);

function builtin(name: string): Builtin {
  const b = BUILTINS.find((d) => d.name === name);
  if (b === undefined)
    throw new DataError({ source: "loadDataset" }, `unknown dataset ${JSON.stringify(name)}; the built-in datasets are: ${BUILTINS.map((d) => d.name).join(", ")} (or read your own file with gn.data.readCsv)`);
  return b;
}

function folder(name: string, dir: string | URL | undefined): URL {
  const base = dir === undefined ? DEFAULT_DIR : typeof dir === "string" ? fileUrl(dir.endsWith("/") ? dir : dir + "/") : dir;
  return new URL(`${name}/`, base);
}

/**
 * The built-in datasets with their size, task, licence and citation (no files are read).
 * @example gn.data.listDatasets().map((d) => `${d.name}: ${d.rows} rows, ${d.licence}`);
 */
export function listDatasets(): DatasetInfo[] {
  return BUILTINS.map(({ load: _load, ...info }) => info);
}

/**
 * Loads a built-in dataset by name (Node only): raw typed features, labels, class names, sensitive
 * columns and, for MNIST and Adult, the official test rows. Pass the result to `prepare`.
 * `dir` overrides the datasets folder (default: the package's own `datasets/`).
 * Throws a DataError for an unknown name (listing the built-in ones) or a missing or corrupt file.
 *
 * @example
 * const ds = gn.data.loadDataset("iris");
 * ds.rows;       // 150
 * ds.classNames; // ["setosa", "versicolor", "virginica"]
 */
export function loadDataset(name: string, opts: { dir?: string | URL } = {}): Dataset {
  const b = builtin(name);
  return b.load(folder(name, opts.dir));
}

/**
 * Reads one CSV file of a built-in dataset as a table of strings (Node only), e.g. the side tables of
 * restaurant-ratings ("userprofile.csv") or option-prices ("haug_european_bs_prices.csv").
 * @example const users = gn.data.loadDatasetTable("restaurant-ratings", "userprofile.csv");
 */
export function loadDatasetTable(name: string, file: string, opts: { dir?: string | URL } = {}): CsvTable {
  const b = builtin(name);
  if (!b.files.includes(file) || !/\.csv(\.gz)?$/.test(file))
    throw new DataError({ source: `datasets/${name}` }, `no CSV file ${JSON.stringify(file)}; its CSV files are: ${b.files.filter((f) => /\.csv(\.gz)?$/.test(f)).join(", ")}`);
  return csvTable(folder(name, opts.dir), file);
}
