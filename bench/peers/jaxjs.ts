/**
 * jax-js peer (@jax-js/jax, the TypeScript JAX port) on its wasm device, every step under jit as a
 * jax-js user would write it. jax-js arrays are reference counted: a function consumes its array
 * arguments, so an array used again later is passed as `x.ref`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ADAM, type CaseSpec } from "../cases.js";
import { heNormal, labels, logregData, mlpShapes, normals, uniforms } from "../data.js";
import { type Engine, type Prepared, inProcessEngine } from "../engine.js";
import { importOptional } from "./optional.js";

type Jax = any;
type A = any;

/** Loads jax-js and starts its wasm device; returns the jax-js/wasm engine. */
export async function load(): Promise<Engine[]> {
  const jax: Jax = await importOptional("@jax-js/jax");
  // Node has no WebGPU (and Node 20 no `navigator`): start the wasm device only.
  const devices: string[] = await jax.init("wasm");
  if (!devices.includes("wasm")) throw new Error("jax-js: the wasm device did not start");
  jax.defaultDevice("wasm");
  return [
    inProcessEngine({
      id: "jax-js/wasm",
      family: "peer",
      info: { version: packageVersion(), jit: true },
      build: (c) => build(jax, c),
    }),
  ];
}

/** The installed version (the package does not export its package.json, so read it from disk). */
function packageVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve("@jax-js/jax");
    return (JSON.parse(readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function build(jax: Jax, c: CaseSpec): Prepared {
  const { numpy: np, nn, lax, jit, grad, jvp, valueAndGrad, tree } = jax;
  const arr = (data: Float32Array | Int32Array, shape: number[]): A => np.array(data).reshape(shape);
  const keep: A[] = [];
  const own = (x: A): A => (keep.push(x), x);
  const jitted: { dispose(): void }[] = [];
  const J = <F>(f: F): F => {
    const g = jit(f);
    jitted.push(g);
    return g;
  };
  /**
   * Runs `call` iters times, waiting for each result: jax-js evaluates lazily, and an array disposed
   * before it is realised is never computed, which would time nothing.
   */
  const repeat = (call: () => A): Prepared => ({
    step: async (iters) => {
      for (let i = 0; i < iters; i++) {
        const out = call();
        await jax.blockUntilReady(out);
        tree.dispose(out);
      }
    },
  });
  const done = (prep: Prepared): Prepared => ({
    step: prep.step,
    dispose: () => {
      prep.dispose?.();
      keep.forEach((x) => x.dispose());
      jitted.forEach((f) => f.dispose());
    },
  });
  // Softmax cross-entropy against one-hot labels (takeAlongAxis's gradient, a scatter, does not jit); consumes both.
  const crossEntropy = (logits: A, onehot: A): A => nn.logSoftmax(logits, -1).mul(onehot).sum(1).mean().neg();
  const oneHotLabels = (seed: number, n: number, classes: number): A => nn.oneHot(np.array(labels(seed, n, classes)), classes).astype(np.float32);
  // One Adam update over lists; consumes everything passed. Returns [params, m, v].
  const adam = (ps: A[], gs: A[], ms: A[], vs: A[], lrT: A): [A[], A[], A[]] => {
    const P: A[] = [], M: A[] = [], V: A[] = [];
    for (let i = 0; i < ps.length; i++) {
      const g = gs[i];
      const m = ms[i].mul(ADAM.b1).add(g.ref.mul(1 - ADAM.b1));
      const v = vs[i].mul(ADAM.b2).add(g.ref.mul(g).mul(1 - ADAM.b2));
      P.push(ps[i].sub(m.ref.mul(lrT.ref).div(np.sqrt(v.ref).add(ADAM.eps))));
      M.push(m);
      V.push(v);
    }
    lrT.dispose();
    return [P, M, V];
  };
  // A jitted train step over a flat parameter list, with host-side Adam bias correction.
  const trainer = (params0: A[], loss: (ps: A[], x: A, y: A) => A, x: A, y: A): Prepared => {
    const stepFn = J((ps: A[], ms: A[], vs: A[], x: A, y: A, lrT: A) => {
      const [l, gs] = valueAndGrad(loss)(tree.ref(ps), x, y);
      const [P, M, V] = adam(ps, gs, ms, vs, lrT);
      return [P, M, V, l];
    });
    let ps = params0;
    let ms = ps.map((q) => np.zerosLike(q.ref));
    let vs = ps.map((q) => np.zerosLike(q.ref));
    let t = 0;
    return {
      step: async (iters) => {
        let l: A;
        for (let i = 0; i < iters; i++) {
          t++;
          const lrT = (ADAM.lr * Math.sqrt(1 - ADAM.b2 ** t)) / (1 - ADAM.b1 ** t);
          [ps, ms, vs, l] = stepFn(ps, ms, vs, x.ref, y.ref, np.array(lrT));
          await jax.blockUntilReady([ps, ms, vs, l]);
          l.dispose();
        }
      },
      dispose: () => tree.dispose([ps, ms, vs]),
    };
  };

  const p = c.params;
  switch (p.kind) {
    case "elementwise": {
      const x = own(arr(uniforms(1, p.n, -2, 2), [p.n]));
      const y = own(arr(uniforms(2, p.n, -2, 2), [p.n]));
      const f = J({ add: (a: A, b: A) => np.add(a, b), mul: (a: A, b: A) => np.multiply(a, b), exp: (a: A, b: A) => (b.dispose(), np.exp(a)), tanh: (a: A, b: A) => (b.dispose(), np.tanh(a)) }[p.op]);
      return done(repeat(() => f(x.ref, y.ref)));
    }
    case "matmul":
    case "tiny": {
      const shape = p.kind === "tiny" && p.op === "add" ? [p.n] : [p.n, p.n];
      const size = shape.reduce((a, b) => a * b, 1);
      const a = own(arr(normals(11, size), shape));
      const b = own(arr(normals(12, size), shape));
      const f = J(p.kind === "tiny" && p.op === "add" ? (u: A, w: A) => np.add(u, w) : (u: A, w: A) => np.matmul(u, w));
      return done(repeat(() => f(a.ref, b.ref)));
    }
    case "mlp": {
      const x = own(arr(normals(7, p.batch * p.sizes[0]), [p.batch, p.sizes[0]]));
      const y = own(oneHotLabels(8, p.batch, p.sizes[p.sizes.length - 1]));
      const params: A[] = mlpShapes(p.sizes).flatMap(({ w, b }, i) => [arr(heNormal(100 + i, w[0] * w[1], w[0]), w), np.zeros(b)]);
      const loss = (ps: A[], x: A, y: A): A => {
        let h = x;
        for (let i = 0; i < ps.length; i += 2) {
          h = np.matmul(h, ps[i]).add(ps[i + 1]);
          if (i + 2 < ps.length) h = nn.relu(h);
        }
        return crossEntropy(h, y);
      };
      if (p.train) return done(trainer(params, loss, x, y));
      keep.push(...params);
      const f = J((ps: A[], x: A, y: A) => valueAndGrad(loss)(ps, x, y));
      return done(repeat(() => f(tree.ref(params), x.ref, y.ref)));
    }
    case "cnn": {
      const [c1, c2] = p.channels;
      const feat = c2 * (p.image / 4) ** 2;
      const x = own(arr(normals(9, p.batch * p.image * p.image), [p.batch, 1, p.image, p.image]));
      const y = own(oneHotLabels(10, p.batch, p.classes));
      const shapes = [[c1, 1, 3, 3], [c1], [c2, c1, 3, 3], [c2], [feat, p.classes], [p.classes]];
      const fans = [9, 0, 9 * c1, 0, feat, 0];
      const params: A[] = shapes.map((s, i) => (fans[i] ? arr(heNormal(200 + i, s.reduce((a, b) => a * b, 1), fans[i]), s) : np.zeros(s)));
      // Max pooling 2x2 as a reshape and a max over the window axes.
      const pool = (h: A): A => {
        const [n, ch, hh, ww] = h.shape;
        return h.reshape([n, ch, hh / 2, 2, ww / 2, 2]).max([3, 5]);
      };
      const block = (h: A, k: A, b: A): A => pool(nn.relu(lax.conv(h, k, [1, 1], "SAME").add(b.reshape([1, -1, 1, 1]))));
      const loss = (ps: A[], x: A, y: A): A => {
        const h = block(block(x, ps[0], ps[1]), ps[2], ps[3]);
        return crossEntropy(np.matmul(h.reshape([p.batch, feat]), ps[4]).add(ps[5]), y);
      };
      return done(trainer(params, loss, x, y));
    }
    case "hvp": {
      const d = logregData(p.rows, p.cols);
      const X = own(arr(d.X, [p.rows, p.cols]));
      const y = own(arr(d.y, [p.rows]));
      const w = own(arr(d.w, [p.cols]));
      const v = own(arr(d.v, [p.cols]));
      const f = J((X: A, y: A, w: A, v: A) => {
        const L = (w: A): A => {
          const z = np.matmul(X.ref, w.ref);
          return nn.softplus(z.ref).sub(y.ref.mul(z)).mean().add(np.square(w).sum().mul(p.l2));
        };
        const [g, hv] = jvp(grad(L), [w], [v]);
        g.dispose();
        X.dispose();
        y.dispose();
        return hv;
      });
      return done(repeat(() => f(X.ref, y.ref, w.ref, v.ref)));
    }
    case "gemm":
      throw new Error(`${c.id} is a gradnav-only case`);
  }
}
