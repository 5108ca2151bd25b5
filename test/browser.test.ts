/**
 * gradnav in a real browser (Debian's Chromium through playwright-core): the browser bundle of
 * src/index.ts loads, the default WebAssembly backend runs, its worker threads start where the page is
 * cross-origin isolated (Web Workers on one shared WebAssembly.Memory) and not otherwise, and the
 * results agree with the reference backend in the same page, bit for bit where the threads split the
 * work. .ci/run installs Chromium (apt package chromium).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { buildSync } from "esbuild";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { chromium, type Browser } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** What the page computes: returned to the test as JSON. */
const PAGE_SCRIPT = `
import * as gn from "/gradnav.js";
const arr = (n, f) => Array.from({ length: n }, (_, i) => f(i));
const bits = (t) => Array.from(new Uint32Array(t.toTypedArray().buffer.slice(0)));
async function run() {
  const out = { isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency, backends: gn.listBackends() };
  out.threads = await gn.wasmReady();
  out.backend = gn.getBackend().name;
  // A product large enough to be split over the threads, on wasm and on the reference backend.
  const a = gn.tensor(arr(300 * 200, (i) => Math.sin(i) * 0.5), { shape: [300, 200] });
  const b = gn.tensor(arr(200 * 260, (i) => Math.cos(i * 0.7)), { shape: [200, 260] });
  const wasmProduct = a.matmul(b);
  out.infoThreads = gn.memoryInfo().threads;
  // The convolution filter gradient: the one sum the threads share.
  const x = gn.tensor(arr(16 * 3 * 12 * 12, (i) => Math.sin(i * 0.3)), { shape: [16, 3, 12, 12] });
  const w = gn.tensor(arr(8 * 3 * 3 * 3, (i) => Math.cos(i * 0.11)), { shape: [8, 3, 3, 3] });
  const convLoss = (w) => gn.conv2d(x, w, { padding: 1 }).square().mean();
  const wasmConvGrad = gn.grad(convLoss)(w);
  // A small MLP's loss and gradient.
  const X = gn.tensor(arr(64 * 10, (i) => Math.sin(i * 1.3)), { shape: [64, 10] });
  const W1 = gn.tensor(arr(10 * 16, (i) => Math.cos(i * 0.9) * 0.3), { shape: [10, 16] });
  const W2 = gn.tensor(arr(16 * 3, (i) => Math.sin(i * 0.4) * 0.3), { shape: [16, 3] });
  const y = gn.tensor(arr(64, (i) => i % 3), { dtype: "int32" });
  const mlpLoss = ([W1, W2]) => gn.losses.softmaxCrossEntropy(gn.relu(X.matmul(W1)).matmul(W2), y);
  const [wasmLoss, wasmGrads] = gn.valueAndGrad(mlpLoss)([W1, W2]);
  gn.setBackend("reference");
  const refProduct = a.matmul(b);
  const refConvGrad = gn.grad(convLoss)(w);
  const [refLoss, refGrads] = gn.valueAndGrad(mlpLoss)([W1, W2]);
  gn.setBackend("wasm");
  const maxDiff = (p, q) => { const u = p.toTypedArray(), v = q.toTypedArray(); let m = 0; for (let i = 0; i < u.length; i++) m = Math.max(m, Math.abs(u[i] - v[i]) / (1 + Math.abs(v[i]))); return m; };
  out.productDiff = maxDiff(wasmProduct, refProduct);
  out.convGradDiff = maxDiff(wasmConvGrad, refConvGrad);
  out.lossDiff = Math.abs(wasmLoss.item() - refLoss.item());
  out.gradDiff = Math.max(...wasmGrads.map((g, i) => maxDiff(g, refGrads[i])));
  // The same work on one thread must give the same bits.
  const productBits = bits(wasmProduct), convBits = bits(wasmConvGrad);
  out.oneThread = await gn.setWasmThreads(1);
  out.productSameBits = JSON.stringify(bits(a.matmul(b))) === JSON.stringify(productBits);
  out.convSameBits = JSON.stringify(bits(gn.grad(convLoss)(w))) === JSON.stringify(convBits);
  return out;
}
window.result = run().catch((e) => ({ error: String((e && e.stack) || e) }));
`;

let browser: Browser;
let server: Server;
let base = "";

before(async () => {
  const bundle = buildSync({
    entryPoints: [join(root, "src", "index.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
    external: ["node:*"],
  }).outputFiles[0].text;
  server = createServer((req, res) => {
    // /isolated/ pages get the two headers that make a page cross-origin isolated (SharedArrayBuffer).
    const isolated = req.url!.startsWith("/isolated/");
    const headers: Record<string, string> = isolated ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } : {};
    if (req.url!.endsWith("/gradnav.js") || req.url === "/gradnav.js") res.writeHead(200, { "content-type": "text/javascript", ...headers }).end(bundle);
    else res.writeHead(200, { "content-type": "text/html", ...headers }).end(`<!doctype html><meta charset="utf-8"><script type="module">${PAGE_SCRIPT}</script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  server?.close();
});

interface PageResult {
  error?: string;
  isolated: boolean;
  cores: number;
  backends: string[];
  threads: number;
  backend: string;
  infoThreads: number;
  productDiff: number;
  convGradDiff: number;
  lossDiff: number;
  gradDiff: number;
  oneThread: number;
  productSameBits: boolean;
  convSameBits: boolean;
}

async function runPage(path: string): Promise<PageResult> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(base + path);
    const r = (await page.evaluate("window.result")) as PageResult;
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual(errors, []);
    return r;
  } finally {
    await page.close();
  }
}

function agreesWithReference(r: PageResult): void {
  assert.equal(r.backend, "wasm", "WebAssembly is the default backend in the browser");
  assert.ok(r.productDiff < 1e-5, `matmul vs reference: ${r.productDiff}`);
  assert.ok(r.convGradDiff < 1e-5, `conv filter gradient vs reference: ${r.convGradDiff}`);
  assert.ok(r.lossDiff < 1e-5, `MLP loss vs reference: ${r.lossDiff}`);
  assert.ok(r.gradDiff < 1e-5, `MLP gradients vs reference: ${r.gradDiff}`);
  assert.equal(r.oneThread, 1);
  assert.ok(r.productSameBits, "the product has the same bits on one thread");
  assert.ok(r.convSameBits, "the filter gradient has the same bits on one thread");
}

test("in a cross-origin-isolated page the wasm backend runs its kernels on Web Workers sharing one memory", async () => {
  const r = await runPage("/isolated/");
  assert.equal(r.isolated, true);
  assert.ok(r.cores >= 2, `the test machine has ${r.cores} cores`);
  assert.equal(r.threads, Math.min(r.cores, 8), "one thread per core (up to 8)");
  assert.equal(r.infoThreads, r.threads);
  agreesWithReference(r);
});

test("without cross-origin isolation (no SharedArrayBuffer) the single-threaded build runs, with the same results", async () => {
  const r = await runPage("/plain/");
  assert.equal(r.isolated, false);
  assert.equal(r.threads, 1);
  agreesWithReference(r);
});
