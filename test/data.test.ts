import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as gn from "../src/index.js";

const { data } = gn;
type Dataset = gn.data.Dataset;

const dir = mkdtempSync(join(tmpdir(), "gradnav-data-"));
function tempFile(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Runs f, expects a DataError, returns it for further checks. */
function dataError(f: () => unknown): gn.data.DataError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof data.DataError, `expected a DataError, got ${String(e)}`);
    assert.ok(e instanceof gn.GradnavError);
    return e;
  }
  assert.fail("expected a DataError, nothing was thrown");
}

const loaded = new Map<string, Dataset>();
function load(name: string): Dataset {
  if (!loaded.has(name)) loaded.set(name, data.loadDataset(name));
  return loaded.get(name)!;
}

function classCounts(ds: Dataset, rows?: ArrayLike<number>): number[] {
  const counts = new Array(ds.classes.length).fill(0);
  const list = rows ?? Array.from({ length: ds.rows }, (_, i) => i);
  for (let i = 0; i < list.length; i++) counts[ds.labels[list[i]]]++;
  return counts;
}

function column(ds: Dataset, name: string): gn.data.Column {
  const c = ds.columns.find((col) => col.name === name);
  assert.ok(c, `no column ${name}`);
  return c;
}

/** Column means and population stds of a [n, d] tensor. */
function columnStats(x: gn.Tensor): { mean: number[]; std: number[] } {
  const [n, d] = x.shape;
  const v = x.toTypedArray();
  const mean = new Array(d).fill(0);
  const std = new Array(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += v[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j] += (v[i * d + j] - mean[j]) ** 2 / n;
  return { mean, std: std.map(Math.sqrt) };
}

describe("built-in datasets", () => {
  test("listDatasets names every built-in with licence and citation", () => {
    const names = data.listDatasets().map((d) => d.name);
    for (const n of ["breast-cancer-wisconsin", "digits-8x8", "mnist", "iris", "wine", "diabetes", "adult", "german-credit", "restaurant-ratings", "option-prices"])
      assert.ok(names.includes(n), `missing ${n}`);
    for (const d of data.listDatasets()) {
      assert.ok(d.licence.length > 0 && d.citation.length > 0, d.name);
      assert.equal(d.task === "classification", d.classes > 0, d.name);
    }
  });

  test("each shipped file matches the sha256 in its README", () => {
    for (const d of data.listDatasets()) {
      const folder = new URL(`../../datasets/${d.name}/`, import.meta.url);
      const readme = readFileSync(new URL("README.md", folder), "utf8");
      for (const f of d.files) {
        const m = readme.match(new RegExp(`^([0-9a-f]{64})  ${f.replace(/[.]/g, "\\.")}  \\(`, "m"));
        assert.ok(m, `${d.name}/README.md has no sha256 for ${f}`);
        const digest = createHash("sha256").update(readFileSync(new URL(f, folder))).digest("hex");
        assert.equal(digest, m[1], `${d.name}/${f}`);
      }
    }
  });

  test("every dataset loads with the rows, features and classes listDatasets states", () => {
    for (const info of data.listDatasets()) {
      const ds = load(info.name);
      assert.equal(ds.rows, info.rows, info.name);
      assert.equal(ds.columns.length, info.features, info.name);
      assert.equal(ds.classes.length, info.classes, info.name);
      assert.equal(ds.task, info.task, info.name);
      assert.equal(ds.labels.length, ds.rows, info.name);
      assert.equal(ds.testRows?.length ?? 0, info.testRows, info.name);
      assert.deepEqual([...ds.sensitive], [...info.sensitive], info.name);
      for (const c of ds.columns) assert.equal(c.values.length, ds.rows, `${info.name}.${c.name}`);
    }
  });

  test("class counts match the READMEs", () => {
    assert.deepEqual(classCounts(load("iris")), [50, 50, 50]);
    assert.deepEqual(load("iris").classNames, ["setosa", "versicolor", "virginica"]);
    assert.deepEqual(classCounts(load("wine")), [59, 71, 48]);
    assert.deepEqual(classCounts(load("breast-cancer-wisconsin")), [212, 357]);
    assert.deepEqual(load("breast-cancer-wisconsin").classNames, ["malignant", "benign"]);
    assert.deepEqual(classCounts(load("german-credit")), [700, 300]);
    const mnist = load("mnist");
    const train = Int32Array.from({ length: 10000 }, (_, i) => i);
    assert.deepEqual(classCounts(mnist, train), [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    assert.deepEqual(classCounts(mnist, mnist.testRows), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    assert.equal(classCounts(load("digits-8x8")).reduce((a, b) => a + b), 1797);
  });

  test("Adult: official split sizes, positive rates, sex counts, missing cells", () => {
    const ds = load("adult");
    const test = ds.testRows!;
    const train = Int32Array.from({ length: ds.rows - test.length }, (_, i) => i);
    assert.equal(train.length, 32561);
    assert.equal(test.length, 16281);
    const rate = (rows: ArrayLike<number>) => classCounts(ds, rows)[1] / rows.length;
    assert.ok(Math.abs(rate(train) - 0.241) < 0.0005, `train rate ${rate(train)}`);
    assert.ok(Math.abs(rate(test) - 0.236) < 0.0005, `test rate ${rate(test)}`);
    const sex = column(ds, "sex") as gn.data.CategoricalColumn;
    const male = Array.from(train, (r) => sex.values[r]).filter((v) => v === "Male").length;
    assert.deepEqual([male, train.length - male], [21790, 10771]);
    let missingCells = 0;
    for (const c of ds.columns) if (c.kind === "categorical") for (const r of train) if (c.values[r] === null) missingCells++;
    assert.equal(missingCells, 4262);
    assert.ok(!ds.columns.some((c) => c.name === "income" || c.name === "fnlwgt"));
  });

  test("Adult: missing 'drop' keeps 30,162 train and 15,060 test rows (README)", () => {
    const ds = load("adult");
    const test = ds.testRows!;
    const train = Int32Array.from({ length: ds.rows - test.length }, (_, i) => i);
    const prep = data.fitPreprocessor(ds, train, { missing: "drop" });
    assert.equal(prep.transform(ds, train).rowIds.length, 30162);
    assert.equal(prep.transform(ds, test).rowIds.length, 15060);
  });

  test("German credit: sex and age as in the README", () => {
    const ds = load("german-credit");
    const sex = column(ds, "sex") as gn.data.CategoricalColumn;
    assert.equal(sex.values.filter((v) => v === "male").length, 690);
    const age = column(ds, "age") as gn.data.NumericColumn;
    assert.equal(Array.from(age.values).filter((a) => a <= 25).length, 190);
  });

  test("regression sets and side tables", () => {
    const diabetes = load("diabetes");
    assert.equal(Math.min(...diabetes.labels), 25);
    assert.equal(Math.max(...diabetes.labels), 346);
    const ratings = load("restaurant-ratings");
    const counts = [0, 0, 0];
    for (const v of ratings.labels) counts[v]++;
    assert.deepEqual(counts, [254, 421, 486]);
    assert.equal(new Set((column(ratings, "userID") as gn.data.CategoricalColumn).values).size, 138);
    assert.equal(new Set((column(ratings, "placeID") as gn.data.CategoricalColumn).values).size, 130);
    assert.equal(data.loadDatasetTable("restaurant-ratings", "userprofile.csv").rows.length, 138);
    const prices = data.loadDatasetTable("option-prices", "haug_european_bs_prices.csv");
    assert.equal(prices.rows.length, 43);
    assert.equal(prices.header.length, 8);
    dataError(() => data.loadDatasetTable("option-prices", "nope.csv"));
  });

  test("image datasets carry their shape and pixel ranges", () => {
    const mnist = load("mnist");
    assert.deepEqual(mnist.imageShape, [28, 28]);
    let max = 0;
    for (const c of mnist.columns) for (let i = 0; i < 100; i++) max = Math.max(max, (c as gn.data.NumericColumn).values[i]);
    assert.equal(max, 255);
    assert.deepEqual(load("digits-8x8").imageShape, [8, 8]);
  });

  test("an unknown dataset name lists the built-in ones", () => {
    const e = dataError(() => data.loadDataset("irsi"));
    assert.match(e.message, /unknown dataset "irsi"/);
    assert.match(e.message, /iris/);
    assert.match(e.message, /mnist/);
  });
});

describe("splits", () => {
  test("stratified split keeps class counts exact where they divide evenly", () => {
    const ds = load("iris");
    const s = data.splitDataset(ds, gn.random.key(0), { validation: 0.2, test: 0.2 });
    assert.deepEqual(classCounts(ds, s.train), [30, 30, 30]);
    assert.deepEqual(classCounts(ds, s.validation), [10, 10, 10]);
    assert.deepEqual(classCounts(ds, s.test), [10, 10, 10]);
  });

  test("stratified split preserves class proportions within one row per class", () => {
    for (const name of ["breast-cancer-wisconsin", "wine", "digits-8x8", "german-credit"]) {
      const ds = load(name);
      const whole = classCounts(ds).map((c) => c / ds.rows);
      const s = data.splitDataset(ds, gn.random.key(7), { validation: 0.15, test: 0.15 });
      assert.equal(s.train.length + s.validation.length + s.test.length, ds.rows);
      assert.equal(new Set([...s.train, ...s.validation, ...s.test]).size, ds.rows, "splits overlap");
      for (const part of [s.train, s.validation, s.test]) {
        const counts = classCounts(ds, part);
        counts.forEach((c, k) => assert.ok(Math.abs(c - whole[k] * part.length) <= 1.5, `${name} class ${k}: ${c} of ${part.length}`));
      }
    }
  });

  test("an unstratified split of an imbalanced set drifts further than a stratified one", () => {
    // Evidence that stratification does work: compare worst-case deviation across many keys.
    const ds = load("german-credit");
    const dev = (stratify: boolean) => {
      let worst = 0;
      for (let k = 0; k < 20; k++) {
        const s = data.splitDataset(ds, gn.random.key(k), { stratify });
        worst = Math.max(worst, Math.abs(classCounts(ds, s.test)[1] - 0.3 * s.test.length));
      }
      return worst;
    };
    assert.ok(dev(true) <= 1);
    assert.ok(dev(false) > 1);
  });

  test("same seed gives the same split; a different seed a different one", () => {
    const ds = load("wine");
    const a = data.splitDataset(ds, gn.random.key(3));
    const b = data.splitDataset(ds, gn.random.key(3));
    const c = data.splitDataset(ds, gn.random.key(4));
    assert.deepEqual(a, b);
    assert.notDeepEqual([...a.test], [...c.test]);
  });

  test("regression targets are stratified by quantile bins", () => {
    const ds = load("diabetes");
    const s = data.splitDataset(ds, gn.random.key(0), { validation: 0.2, test: 0.2 });
    const bins = data.quantileBins(ds.labels, 10);
    for (const part of [s.validation, s.test]) {
      const counts = new Array(10).fill(0);
      for (const r of part) counts[bins[r]]++;
      for (const c of counts) assert.ok(Math.abs(c - part.length / 10) <= 1.5, `bin counts ${counts}`);
    }
  });

  test("datasets with an official test set keep it and draw validation from the rest", () => {
    const ds = load("mnist");
    const s = data.splitDataset(ds, gn.random.key(0), { validation: 0.1 });
    assert.deepEqual([...s.test], [...ds.testRows!]);
    assert.equal(s.validation.length, 1000);
    assert.equal(s.train.length, 9000);
    assert.ok(s.validation.every((r) => r < 10000));
    const own = data.splitDataset(ds, gn.random.key(0), { useOfficialTest: false, test: 0.1, validation: 0.1 });
    assert.equal(own.test.length, 2000);
  });

  test("bad fractions are ValueErrors", () => {
    assert.throws(() => data.splitRows(10, gn.random.key(0), { validation: 0.5, test: 0.5 }), gn.ValueError);
    assert.throws(() => data.splitRows(10, gn.random.key(0), { test: -0.1 }), gn.ValueError);
    assert.throws(() => data.splitRows(10, gn.random.key(0), { test: 1 }), gn.ValueError);
  });
});

describe("CSV reading and schema inference", () => {
  test("infers numeric, boolean and categorical columns and reads missing values", () => {
    const t = data.parseCsv("n,b,c,y\n1.5,yes,red,a\n?,no,,b\n-2e1,YES,blue,a\n");
    const ds = data.datasetFromTable(t, { target: "y" });
    assert.deepEqual(ds.columns.map((c) => c.kind), ["numeric", "boolean", "categorical"]);
    assert.deepEqual(Array.from(ds.columns[0].values as ArrayLike<number>), [1.5, NaN, -20]);
    assert.deepEqual(Array.from(ds.columns[1].values as ArrayLike<number>), [1, 0, 1]);
    assert.deepEqual(ds.columns[2].values, ["red", null, "blue"]);
    assert.deepEqual(ds.classNames, ["a", "b"]);
    assert.deepEqual(Array.from(ds.labels), [0, 1, 0]);
    assert.deepEqual(Array.from(ds.lines!), [2, 3, 4]);
  });

  test("task inference: few whole numbers are classes, many are a regression target", () => {
    assert.equal(load("iris").task, "classification");
    const few = data.datasetFromTable(data.parseCsv("x,y\n1,1.0\n2,2\n3,1\n"));
    assert.equal(few.task, "classification");
    assert.deepEqual(few.classes, ["1", "2"], "1.0 and 1 are one class");
    const many = data.datasetFromTable(data.parseCsv("x,y\n" + Array.from({ length: 30 }, (_, i) => `${i},${i * 3}`).join("\n")));
    assert.equal(many.task, "regression");
  });

  test("quoted fields with delimiters and line breaks; CRLF; BOM; rows missing a target are dropped", () => {
    const t = data.parseCsv('\uFEFFname,y\r\n"Smith, J",1\r\n"two\r\nlines",2\r\n"x",\r\nlast,1\r\n');
    assert.deepEqual(t.header, ["name", "y"]);
    assert.deepEqual(t.rows[0], ["Smith, J", "1"]);
    assert.deepEqual(t.lines, [2, 3, 5, 6]);
    const blank = data.parseCsv('é,y\n\n  \n1,"ü\n"\n2,2\n');
    assert.deepEqual(blank.lines, [4, 6]);
    assert.deepEqual(data.parseCsv("a,y\r1,1\r\r2,2\r").lines, [2, 4], "old Mac line ends");
    const ds = data.datasetFromTable(t, { kinds: { name: "categorical" } });
    assert.equal(ds.rows, 3);
    assert.equal(ds.droppedRows, 1);
    assert.deepEqual(Array.from(ds.lines!), [2, 3, 6]);
  });

  test("kinds override inference; custom missing tokens", () => {
    const t = data.parseCsv("zip,y\n02139,1\n10001,0\n");
    const ds = data.datasetFromTable(t, { kinds: { zip: "categorical" } });
    assert.deepEqual(ds.columns[0].values, ["02139", "10001"]);
    const m = data.datasetFromTable(data.parseCsv("v,y\n-999,1\n3,0\n"), { missingTokens: ["-999"] });
    assert.ok(Number.isNaN(m.columns[0].values[0] as number));
  });

  test("readCsv reads files and gzipped files", () => {
    const text = "a,b,y\n1,2,x\n3,4,z\n";
    const plain = data.readCsv(tempFile("plain.csv", text), { target: "y" });
    const gz = data.readCsv(tempFile("packed.csv.gz", gzipSync(text)), { target: "y" });
    assert.deepEqual(Array.from(gz.columns[1].values as ArrayLike<number>), [2, 4]);
    assert.deepEqual(gz.classNames, plain.classNames);
  });
});

describe("CSV errors name file, line and column", () => {
  test("missing target column lists the columns", () => {
    const path = tempFile("notarget.csv", "height,weight,label\n1,2,a\n");
    const e = dataError(() => data.readCsv(path, { target: "class" }));
    assert.equal(e.source, path);
    assert.equal(e.line, 1);
    assert.ok(e.message.startsWith(`${path}: line 1: `), e.message);
    assert.match(e.message, /no target column "class"; the columns are: height, weight, label/);
  });

  test("ragged rows: expected N fields, got M, at line L", () => {
    const path = tempFile("ragged.csv", "a,b,c\n1,2,3\n\n4,5\n6,7,8\n");
    const e = dataError(() => data.readCsvTable(path));
    assert.equal(e.line, 4, "the blank line 3 still counts");
    assert.equal(e.column, 3);
    assert.match(e.message, /line 4, column 3: ragged row: expected 3 fields \(as in the header on line 1\), got 2/);
    const long = dataError(() => data.parseCsv("a,b\n1,2,3\n", { source: "long.csv" }));
    assert.match(long.message, /^long\.csv: line 2, column 3: ragged row: expected 2 fields .*got 3/);
  });

  test("a ragged row after a quoted multi-line field reports its own line", () => {
    const e = dataError(() => data.parseCsv('a,b\n"x\ny",1\n2\n'));
    assert.equal(e.line, 4);
  });

  test("text in a numeric column names value, line, column number and name", () => {
    const path = tempFile("text.csv", "x,age,y\n1,30,a\n2,41,b\n3,forty,a\n4,22,b\n");
    const e = dataError(() => data.readCsv(path, { target: "y" }));
    assert.equal(e.line, 4);
    assert.equal(e.column, 2);
    assert.equal(e.columnName, "age");
    assert.match(e.message, /line 4, column 2 \("age"\): text "forty" in a numeric column \(3 of 4 values are numbers\)/);
    assert.match(e.message, /kinds: \{ "age": "categorical" \}/);
  });

  test("text in a declared numeric column and in a regression target", () => {
    const e = dataError(() => data.datasetFromTable(data.parseCsv("a,y\nfoo,1\n"), { kinds: { a: "numeric" } }));
    assert.equal(e.column, 1);
    const t = dataError(() => data.datasetFromTable(data.parseCsv("a,y\n1,2.5\n2,n/a?\n"), { task: "regression" }));
    assert.equal(t.line, 3);
    assert.equal(t.columnName, "y");
  });

  test("infinite values are rejected", () => {
    const e = dataError(() => data.datasetFromTable(data.parseCsv("a,y\n1,0\ninf,1\n")));
    assert.equal(e.line, 3);
    assert.match(e.message, /infinite value "inf"/);
  });

  test("empty file, header only, blank or repeated column names, unclosed quote, missing file", () => {
    assert.match(dataError(() => data.readCsvTable(tempFile("empty.csv", ""))).message, /empty\.csv: the file is empty/);
    assert.match(dataError(() => data.parseCsv("  \n\n")).message, /the file is empty/);
    const h = dataError(() => data.parseCsv("a,b\n", { source: "h.csv" }));
    assert.equal(h.line, 1);
    assert.match(h.message, /header but no data rows/);
    assert.equal(dataError(() => data.parseCsv("a,,b\n1,2,3\n")).column, 2);
    const rep = dataError(() => data.parseCsv("a,b,a\n1,2,3\n"));
    assert.equal(rep.column, 3);
    assert.match(rep.message, /repeated \(also column 1\)/);
    assert.match(dataError(() => data.parseCsv('a,b\n1,"2\n')).message, /never closed/);
    assert.match(dataError(() => data.readCsvTable(join(dir, "nope.csv"))).message, /no such file/);
  });

  test("feature, exclude and sensitive columns must exist", () => {
    const t = data.parseCsv("a,b,y\n1,2,0\n");
    assert.match(dataError(() => data.datasetFromTable(t, { features: ["a", "c"] })).message, /no feature column "c"/);
    assert.match(dataError(() => data.datasetFromTable(t, { exclude: ["q"] })).message, /no excluded column "q"/);
    assert.match(dataError(() => data.datasetFromTable(t, { sensitive: ["y"] })).message, /not a feature column/);
  });
});

describe("preprocessing", () => {
  const csv = [
    "num,flag,color,y",
    "1,true,red,a",
    "2,false,blue,b",
    "3,true,red,a",
    ",false,green,b",
    "5,,red,a",
    "6,true,,b",
    "100,false,purple,a",
  ].join("\n");
  const ds = data.datasetFromTable(data.parseCsv(csv, { source: "small.csv" }), { target: "y" });
  const train = [0, 1, 2, 3, 4, 5];
  const held = [6];

  test("standardisation uses training statistics only", () => {
    const iris = load("iris");
    const s = data.splitDataset(iris, gn.random.key(0));
    const prep = data.fitPreprocessor(iris, s.train);
    const tr = columnStats(prep.transform(iris, s.train).x);
    tr.mean.forEach((m) => assert.ok(Math.abs(m) < 1e-5, `train mean ${m}`));
    tr.std.forEach((sd) => assert.ok(Math.abs(sd - 1) < 1e-4, `train std ${sd}`));
    const te = columnStats(prep.transform(iris, s.test).x);
    assert.ok(te.mean.some((m) => Math.abs(m) > 1e-3), "test means should not be exactly 0");
    // By hand: the first test row, first feature.
    const col = (iris.columns[0] as gn.data.NumericColumn).values;
    const trainVals = Array.from(s.train, (r) => col[r]);
    const mu = trainVals.reduce((a, b) => a + b) / trainVals.length;
    const sd = Math.sqrt(trainVals.reduce((a, b) => a + (b - mu) ** 2, 0) / trainVals.length);
    const x0 = prep.transform(iris, [s.test[0]]).x.toTypedArray()[0];
    assert.ok(Math.abs(x0 - (col[s.test[0]] - mu) / sd) < 1e-5);
    const other = data.fitPreprocessor(iris, s.test);
    assert.notEqual((other.spec.columns[0] as gn.data.NumericColumnSpec).shift, mu);
  });

  test("one-hot in sorted category order; a missing category of its own; unseen categories are zeros", () => {
    const prep = data.fitPreprocessor(ds, train, { scaling: "none" });
    assert.deepEqual(prep.featureNames, ["num", "flag", "color=blue", "color=green", "color=red", `color=${data.MISSING_CATEGORY}`]);
    const x = prep.transform(ds, [0, 5, 6]).x.toArray() as number[][];
    assert.deepEqual(x[0].slice(2), [0, 0, 1, 0]);
    assert.deepEqual(x[1].slice(2), [0, 0, 0, 1], "missing color");
    assert.deepEqual(x[2].slice(2), [0, 0, 0, 0], "unseen purple");
  });

  test("unknownCategories 'error' names line, column and the known categories", () => {
    const prep = data.fitPreprocessor(ds, train, { unknownCategories: "error" });
    const e = dataError(() => prep.transform(ds, held));
    assert.equal(e.line, 8);
    assert.equal(e.columnName, "color");
    assert.match(e.message, /category "purple" was not in the training data \(known: blue, green, red/);
  });

  test("missing 'impute': training mean (of present training values), optional indicators", () => {
    const prep = data.fitPreprocessor(ds, train, { scaling: "none", missingIndicators: true });
    assert.deepEqual(prep.featureNames.slice(0, 4), ["num", "num:missing", "flag", "flag:missing"]);
    const x = prep.transform(ds, [3, 4]).x.toArray() as number[][];
    assert.ok(Math.abs(x[0][0] - (1 + 2 + 3 + 5 + 6) / 5) < 1e-6, "num imputed with the train mean 3.4, not including the test value 100");
    assert.equal(x[0][1], 1);
    assert.ok(Math.abs(x[1][2] - 3 / 5) < 1e-6, "flag imputed with its train mean");
    assert.equal(x[1][3], 1);
    const std = data.fitPreprocessor(ds, train).transform(ds, [3]).x.toTypedArray();
    assert.equal(std[0], 0, "imputed value standardises to 0");
  });

  test("missing 'drop': rows with a missing feature are left out when fitting and transforming", () => {
    const prep = data.fitPreprocessor(ds, train, { missing: "drop", scaling: "none" });
    const out = prep.transform(ds, train);
    assert.deepEqual(Array.from(out.rowIds), [0, 1, 2]);
    assert.deepEqual(prep.featureNames, ["num", "flag", "color=blue", "color=red"]);
    assert.deepEqual((prep.spec.columns[0] as gn.data.NumericColumnSpec).fill, 2);
  });

  test("minmax and global scaling", () => {
    const mm = data.fitPreprocessor(ds, train, { scaling: "minmax" }).transform(ds, train).x.toArray() as number[][];
    const num = mm.map((r) => r[0]);
    assert.equal(Math.min(...num), 0);
    assert.equal(Math.max(...num), 1);
    const digits = load("digits-8x8");
    const prep = data.fitPreprocessor(digits, Array.from({ length: 1000 }, (_, i) => i));
    assert.equal(prep.spec.scaling, "global", "images default to one pooled scale");
    const shifts = new Set(prep.spec.columns.map((c) => (c as gn.data.NumericColumnSpec).shift));
    assert.equal(shifts.size, 1);
  });

  test("regression target standardisation and decodeTarget", () => {
    const d = load("diabetes");
    const s = data.splitDataset(d, gn.random.key(0));
    const prep = data.fitPreprocessor(d, s.train, { standardizeTarget: true });
    const y = prep.transform(d, s.train).y;
    assert.ok(Math.abs(y.mean().item()) < 1e-4);
    const back = prep.decodeTarget(y).toTypedArray();
    assert.ok(Math.abs(back[0] - d.labels[s.train[0]]) < 1e-3);
  });

  test("JSON round trip gives the same transform", () => {
    const prep = data.fitPreprocessor(ds, train, { missingIndicators: true });
    const again = data.Preprocessor.fromJSON(JSON.parse(JSON.stringify(prep)));
    assert.deepEqual(again.transform(ds).x.toArray(), prep.transform(ds).x.toArray());
    assert.deepEqual(again.featureNames, prep.featureNames);
  });

  test("transformTable applies a saved pipeline to a new CSV (columns reordered, extra column, no target)", () => {
    const prep = data.Preprocessor.fromJSON(JSON.parse(JSON.stringify(data.fitPreprocessor(ds, train))));
    const fresh = data.parseCsv("id,color,flag,num\n9,blue,false,2\n10,red,true,\n", { source: "new.csv" });
    const out = prep.transformTable(fresh);
    assert.equal(out.y, null);
    assert.deepEqual(Array.from(out.lines), [2, 3]);
    const expected = prep.transform(ds, [1]).x.toArray() as number[][];
    assert.deepEqual((out.x.toArray() as number[][])[0], expected[0]);
    const withTarget = prep.transformTable(data.parseCsv("num,flag,color,y\n1,true,red,b\n"));
    assert.deepEqual(Array.from(withTarget.y!.toTypedArray()), [1]);
  });

  test("transformTable errors: missing feature column, text in a numeric column, unknown class", () => {
    const prep = data.fitPreprocessor(ds, train);
    const e = dataError(() => prep.transformTable(data.parseCsv("num,color\n1,red\n", { source: "new.csv" })));
    assert.match(e.message, /^new\.csv: line 1: missing feature column "flag" that the model was trained on; the file has: num, color/);
    const t = dataError(() => prep.transformTable(data.parseCsv("num,flag,color\n1,true,red\nabc,false,red\n")));
    assert.equal(t.line, 3);
    assert.equal(t.columnName, "num");
    const c = dataError(() => prep.transformTable(data.parseCsv("num,flag,color,y\n1,true,red,zebra\n")));
    assert.match(c.message, /class "zebra" is not one of the known classes \(a, b\)/);
  });

  test("fromJSON rejects what is not a preprocessor", () => {
    assert.match(dataError(() => data.Preprocessor.fromJSON({ format: "other" })).message, /format is "other"/);
    const spec = JSON.parse(JSON.stringify(data.fitPreprocessor(ds, train)));
    spec.columns[0].scale = "x";
    assert.match(dataError(() => data.Preprocessor.fromJSON(spec)).message, /columns\[0\] \(num\)\.scale is not a finite number/);
  });
});

describe("sensitive groups", () => {
  test("groupsOf: categories, thresholds, missing values, stable numbering across splits", () => {
    const adult = load("adult");
    const sex = data.groupsOf(adult, "sex", adult.testRows);
    assert.deepEqual(sex.names, ["Female", "Male"]);
    assert.equal(sex.index.length, 16281);
    const trainRows = Int32Array.from({ length: 32561 }, (_, i) => i);
    assert.equal(data.groupsOf(adult, "sex", trainRows).index.filter((g) => g === 1).length, 21790);
    const race = data.groupsOf(adult, "race");
    assert.equal(race.names.length, 5);
    const age = data.groupsOf(load("german-credit"), "age", undefined, { threshold: 25 });
    assert.deepEqual(age.names, ["age <= 25", "age > 25"]);
    assert.equal(age.index.filter((g) => g === 0).length, 190);
    assert.match(dataError(() => data.groupsOf(load("german-credit"), "age")).message, /pass a threshold/);
    const ds = data.datasetFromTable(data.parseCsv("g,y\nx,1\n,0\ny,1\n"));
    assert.deepEqual(Array.from(data.groupsOf(ds, "g").index), [0, -1, 1]);
  });

  test("dropColumns leaves the sensitive columns out of the features", () => {
    const german = load("german-credit");
    const blind = data.dropColumns(german, ["sex", "personal_status_sex"]);
    assert.equal(blind.columns.length, german.columns.length - 2);
    assert.deepEqual([...blind.sensitive], ["age", "foreign_worker"]);
    const prep = data.fitPreprocessor(blind, [0, 1, 2, 3]);
    assert.ok(!prep.featureNames.some((n) => n.startsWith("sex") || n.startsWith("personal_status_sex")));
    assert.match(dataError(() => data.dropColumns(german, ["gender"])).message, /no feature column "gender"/);
  });
});

describe("prepare and batches", () => {
  test("prepare returns tensors for each split", () => {
    const p = data.prepare(load("breast-cancer-wisconsin"), { seed: 1 });
    assert.deepEqual(p.train.x.shape, [399, 30]);
    assert.deepEqual(p.validation.x.shape, [85, 30]);
    assert.deepEqual(p.test.x.shape, [85, 30]);
    assert.equal(p.train.x.dtype, "float32");
    assert.equal(p.train.y.dtype, "int32");
    assert.equal(data.prepare(load("iris"), { dtype: "float64" }).train.x.dtype, "float64");
  });

  test("batches cover every row once, in a seeded order", () => {
    const p = data.prepare(load("iris"), { seed: 0 });
    const n = p.train.x.shape[0];
    const seen: number[] = [];
    const sizes: number[] = [];
    const xs = p.train.x.toArray() as number[][];
    for (const b of data.batches(p.train, { batchSize: 32, key: gn.random.key(5) })) {
      seen.push(...b.indices);
      sizes.push(b.x.shape[0]);
      assert.deepEqual((b.x.toArray() as number[][])[0], xs[b.indices[0]]);
      assert.equal(b.y.shape[0], b.x.shape[0]);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    assert.equal(sizes.length, data.batchCount(n, 32));
    assert.notDeepEqual(seen, Array.from({ length: n }, (_, i) => i), "shuffled");
    const again = [...data.batches(p.train, { batchSize: 32, key: gn.random.key(5) })].flatMap((b) => b.indices);
    assert.deepEqual(again, seen);
    const other = [...data.batches(p.train, { batchSize: 32, key: gn.random.key(6) })].flatMap((b) => b.indices);
    assert.notDeepEqual(other, seen);
    const ordered = [...data.batches(p.train, { batchSize: 50, dropLast: true })];
    assert.equal(ordered.length, Math.floor(n / 50));
    assert.deepEqual(ordered[0].indices.slice(0, 3), [0, 1, 2]);
    assert.throws(() => data.batches(p.train, { batchSize: 0 }).next(), gn.ValueError);
  });
});

describe("IDX", () => {
  function idx(typeCode: number, shape: number[], body: number[], bytesPer = 1): Uint8Array {
    const out = new Uint8Array(4 + 4 * shape.length + body.length * bytesPer);
    const v = new DataView(out.buffer);
    out[2] = typeCode;
    out[3] = shape.length;
    shape.forEach((d, i) => v.setUint32(4 + 4 * i, d));
    const off = 4 + 4 * shape.length;
    body.forEach((x, i) => {
      if (typeCode === 0x08) v.setUint8(off + i, x);
      else if (typeCode === 0x0c) v.setInt32(off + 4 * i, x);
      else if (typeCode === 0x0d) v.setFloat32(off + 4 * i, x);
    });
    return out;
  }

  test("parses uint8 images with magic 2051 and labels with 2049", () => {
    const images = data.parseIdx(idx(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]));
    assert.equal(images.magic, 2051);
    assert.deepEqual(images.shape, [2, 2, 3]);
    assert.equal(images.type, "uint8");
    assert.deepEqual(Array.from(images.data), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
    assert.equal(data.parseIdx(idx(0x08, [3], [7, 1, 9])).magic, 2049);
  });

  test("multi-byte types are big-endian", () => {
    assert.deepEqual(Array.from(data.parseIdx(idx(0x0c, [3], [1, -2, 70000], 4)).data), [1, -2, 70000]);
    assert.deepEqual(Array.from(data.parseIdx(idx(0x0d, [2], [1.5, -0.25], 4)).data), [1.5, -0.25]);
  });

  test("reads the shipped MNIST files and gzipped temp files", () => {
    const mnist = new URL("../../datasets/mnist/", import.meta.url);
    const img = data.readIdx(new URL("t10k-images-idx3-ubyte.gz", mnist).pathname);
    assert.equal(img.magic, 2051);
    assert.deepEqual(img.shape, [10000, 28, 28]);
    const lab = data.readIdx(new URL("t10k-labels-idx1-ubyte.gz", mnist).pathname);
    assert.equal(lab.magic, 2049);
    assert.deepEqual(lab.shape, [10000]);
    const path = tempFile("small-idx1.gz", gzipSync(idx(0x08, [2], [3, 4])));
    assert.deepEqual(Array.from(data.readIdx(path).data), [3, 4]);
  });

  test("corrupted IDX files are DataErrors naming the file and the problem", () => {
    const good = idx(0x08, [2, 2], [1, 2, 3, 4]);
    const truncated = tempFile("truncated.idx", good.slice(0, good.length - 1));
    const e = dataError(() => data.readIdx(truncated));
    assert.equal(e.source, truncated);
    assert.match(e.message, /shape \[2, 2\] of uint8 .* but the file has 15 bytes: it is truncated/);
    assert.match(dataError(() => data.parseIdx(new Uint8Array([...good, 0]))).message, /trailing bytes/);
    const bad = good.slice();
    bad[0] = 0x50;
    assert.match(dataError(() => data.parseIdx(bad)).message, /bad magic number 0x50000802 at byte 0/);
    const type = good.slice();
    type[2] = 0x07;
    assert.match(dataError(() => data.parseIdx(type)).message, /unknown IDX type code 0x07/);
    assert.match(dataError(() => data.parseIdx(new Uint8Array([0, 0, 8]))).message, /too short/);
    assert.match(dataError(() => data.parseIdx(new Uint8Array([0, 0, 8, 2, 0, 0]))).message, /header is cut short/);
    const gz = gzipSync(good);
    const brokenGz = tempFile("broken.idx.gz", gz.subarray(0, gz.length - 6));
    assert.match(dataError(() => data.readIdx(brokenGz)).message, /gzip data is corrupt or truncated/);
  });
});
