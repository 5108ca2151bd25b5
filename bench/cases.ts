/**
 * The catalogue of benchmark cases: what each one computes, at which sizes, and how its work is
 * counted. Every engine (gradnav's backends and the peers) implements the same cases from these
 * specs, so their figures compare like with like.
 *
 * Sizes come in three scales: `full` (the figures we report), `quick` (the same sizes, minus the
 * slowest, for smoke runs) and `tiny` (toy sizes for the test that checks the runner's output).
 */

/** How a case's result reads best: a rate (more is better) or a time per iteration (less is better). */
export type Unit = "GFLOP/s" | "samples/s" | "HVP/s" | "Melem/s" | "us/op" | "ms/grad";

export type Scale = "full" | "quick" | "tiny";

/** Parameters of every workload, one shape per family. */
export interface ElementwiseParams { kind: "elementwise"; op: "add" | "mul" | "exp" | "tanh"; n: number }
export interface MatmulParams { kind: "matmul"; n: number }
/** C[m, n] = op(A) op(B), A [m, k], B [k, n]; "t": the operand is the transpose of a stored matrix. */
export interface GemmParams { kind: "gemm"; m: number; n: number; k: number; a: "n" | "t"; b: "n" | "t" }
export interface MlpParams { kind: "mlp"; sizes: number[]; batch: number; train: boolean; via?: "fit" }
export interface CnnParams { kind: "cnn"; image: number; channels: [number, number]; classes: number; batch: number; via?: "fit" }
export interface HvpParams { kind: "hvp"; rows: number; cols: number; l2: number }
export interface TinyParams { kind: "tiny"; op: "add" | "matmul"; n: number }
export type CaseParams = ElementwiseParams | MatmulParams | GemmParams | MlpParams | CnnParams | HvpParams | TinyParams;

export interface CaseSpec {
  /** Unique id, `<workload>.<name>`, e.g. "W1.matmul512". `--only` matches ids by prefix. */
  id: string;
  /** Workload family: "M" (issue-2 micro benches) or "W1".."W5". */
  workload: string;
  title: string;
  params: CaseParams;
  unit: Unit;
  /** What one iteration counts towards the unit (FLOPs for GFLOP/s, samples, HVPs, elements); 1 for time units. */
  workPerIter: number;
  /** Only gradnav runs it (a variant of a peer-comparable case, e.g. through gn.train's step). */
  gradnavOnly?: boolean;
}

/** Workload families in print order, with one line on what each measures. */
export const WORKLOADS: Record<string, string> = {
  M: "issue-2 micro benches: elementwise ops on 1M elements, grad of a small MLP's loss",
  W1: "matmul n x n float32 (2 n^3 FLOPs); gradnav only: the products inside W2 and W3 (2 m n k FLOPs)",
  W2: "MLP 784-256-128-10, ReLU, softmax cross-entropy, Adam, batch 128 (training samples/s)",
  W3: "CNN conv3x3x8 same, ReLU, maxpool2, conv3x3x16, ReLU, maxpool2, dense 784->10, Adam, batch 64 (samples/s)",
  W4: "HVP of mean(softplus(Xw) - y Xw) + 0.005 ||w||^2, logistic regression 569x30 (HVP/s)",
  W5: "one tiny op: add on 100 elements, 16x16 matmul (time per op)",
};

/** True when the unit is a time per iteration (smaller is better) rather than a rate. */
export function isTimeUnit(u: Unit): boolean {
  return u === "us/op" || u === "ms/grad";
}

/** The cases at one scale, in print order. */
export function allCases(scale: Scale): CaseSpec[] {
  const tiny = scale === "tiny";
  const out: CaseSpec[] = [];

  const elemN = tiny ? 1000 : 1_000_000;
  for (const op of ["add", "mul", "exp", "tanh"] as const)
    out.push({
      id: `M.${op}1M`,
      workload: "M",
      title: `${op} on ${elemN.toLocaleString("en-US")} float32`,
      params: { kind: "elementwise", op, n: elemN },
      unit: "Melem/s",
      workPerIter: elemN / 1e6,
    });
  const small = tiny ? { sizes: [8, 6, 3], batch: 4 } : { sizes: [64, 32, 10], batch: 32 };
  out.push({
    id: "M.mlpGrad",
    workload: "M",
    title: `grad of MLP ${small.sizes.join("-")} loss, batch ${small.batch}`,
    params: { kind: "mlp", ...small, train: false },
    unit: "ms/grad",
    workPerIter: 1,
  });

  const mm = tiny ? [16, 32] : scale === "quick" ? [256, 512] : [256, 512, 1024];
  for (const n of mm)
    out.push({ id: `W1.matmul${n}`, workload: "W1", title: `matmul ${n}x${n}`, params: { kind: "matmul", n }, unit: "GFLOP/s", workPerIter: 2 * n ** 3 });
  // The products W2 and W3 spend their time in (gradnav only: the peers run the square ones above).
  const [b, d0, d1, d2] = tiny ? [8, 20, 16, 8] : [128, 784, 256, 128];
  const gemms: [string, string, GemmParams][] = [
    ["mlpXW", `W2 layer 1 forward x W: [${b},${d0}] x [${d0},${d1}]`, { kind: "gemm", m: b, n: d1, k: d0, a: "n", b: "n" }],
    ["mlpXtG", `W2 layer 1 weight gradient x^T g: [${b},${d0}]^T x [${b},${d1}]`, { kind: "gemm", m: d0, n: d1, k: b, a: "t", b: "n" }],
    ["mlpGWt", `W2 layer 2 input gradient g W^T: [${b},${d2}] x [${d1},${d2}]^T`, { kind: "gemm", m: b, n: d1, k: d2, a: "n", b: "t" }],
    ["conv2", "W3 second convolution's im2col product, one image: [16,72] x [72,196]", { kind: "gemm", m: 16, n: 196, k: 72, a: "n", b: "n" }],
  ];
  for (const [name, title, params] of gemms)
    out.push({ id: `W1.${name}`, workload: "W1", title, params, unit: "GFLOP/s", workPerIter: 2 * params.m * params.n * params.k, gradnavOnly: true });

  const mlp = tiny ? { sizes: [20, 16, 8, 4], batch: 8 } : { sizes: [784, 256, 128, 10], batch: 128 };
  out.push({
    id: "W2.mlpAdam",
    workload: "W2",
    title: `MLP ${mlp.sizes.join("-")} Adam, batch ${mlp.batch}`,
    params: { kind: "mlp", ...mlp, train: true },
    unit: "samples/s",
    workPerIter: mlp.batch,
  });
  out.push({
    id: "W2.mlpFit",
    workload: "W2",
    title: `MLP ${mlp.sizes.join("-")} Adam, batch ${mlp.batch}, through gn.train's step (nn layers, gn.optim.adam, trace)`,
    params: { kind: "mlp", ...mlp, train: true, via: "fit" },
    unit: "samples/s",
    workPerIter: mlp.batch,
    gradnavOnly: true,
  });

  // Two 2x2 pools leave (image/4)^2 x 16 features: 7*7*16 = 784 at full size.
  const cnn: CnnParams = tiny ? { kind: "cnn", image: 8, channels: [2, 4], classes: 3, batch: 4 } : { kind: "cnn", image: 28, channels: [8, 16], classes: 10, batch: 64 };
  out.push({
    id: "W3.cnnAdam",
    workload: "W3",
    title: `CNN ${cnn.image}x${cnn.image} conv${cnn.channels[0]}-pool-conv${cnn.channels[1]}-pool-dense Adam, batch ${cnn.batch}`,
    params: cnn,
    unit: "samples/s",
    workPerIter: cnn.batch,
  });
  out.push({
    id: "W3.cnnFit",
    workload: "W3",
    title: `CNN ${cnn.image}x${cnn.image} as W3.cnnAdam, through gn.train's step (nn layers, gn.optim.adam, trace)`,
    params: { ...cnn, via: "fit" },
    unit: "samples/s",
    workPerIter: cnn.batch,
    gradnavOnly: true,
  });

  const lr = tiny ? { rows: 40, cols: 5 } : { rows: 569, cols: 30 };
  out.push({ id: "W4.hvpLogreg", workload: "W4", title: `HVP logistic regression ${lr.rows}x${lr.cols}`, params: { kind: "hvp", ...lr, l2: 0.005 }, unit: "HVP/s", workPerIter: 1 });

  out.push({ id: "W5.add100", workload: "W5", title: "add on 100 elements", params: { kind: "tiny", op: "add", n: 100 }, unit: "us/op", workPerIter: 1 });
  out.push({ id: "W5.matmul16", workload: "W5", title: "matmul 16x16", params: { kind: "tiny", op: "matmul", n: 16 }, unit: "us/op", workPerIter: 1 });
  return out;
}

/** Keeps the cases whose id starts with one of the comma-separated prefixes (case-insensitive); all when `only` is empty. */
export function selectCases(cases: CaseSpec[], only: string | undefined): CaseSpec[] {
  if (!only) return cases;
  const prefixes = only.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  return cases.filter((c) => prefixes.some((p) => c.id.toLowerCase().startsWith(p)));
}

/** Adam hyperparameters every engine uses in W2 and W3. */
export const ADAM = { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8 } as const;
