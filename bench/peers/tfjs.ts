/**
 * TensorFlow.js peer (@tensorflow/tfjs on its cpu backend, plus @tensorflow/tfjs-backend-wasm),
 * written the way a TF.js user would: tf.variable parameters, tf.train.adam, NHWC convolutions,
 * nested tf.grad for the HVP. The wasm backend loads its .wasm files from the installed package
 * (no download). The union package is needed rather than tfjs-core alone: only its Node bundle
 * registers the gradient functions.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { ADAM, type CaseSpec } from "../cases.js";
import { heNormal, labels, logregData, mlpShapes, normals, uniforms } from "../data.js";
import { type Engine, type Prepared, inProcessEngine } from "../engine.js";
import { importOptional } from "./optional.js";

type Tf = any;
type T = any;

/** Loads TF.js and registers its wasm files; returns the tfjs/cpu and tfjs/wasm engines. */
export async function load(): Promise<Engine[]> {
  const tf: Tf = await importOptional("@tensorflow/tfjs");
  const wasm = await importOptional("@tensorflow/tfjs-backend-wasm");
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep);
  // PROD skips debug checks and the "install tfjs-node" banner.
  tf.env().set("PROD", true);
  return ["cpu", "wasm"].map((backend) => {
    const info: Engine["info"] = { version: tf.version.tfjs };
    return inProcessEngine({
      id: `tfjs/${backend}`,
      family: "peer",
      info,
      activate: async () => {
        if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend ${backend} failed to initialise`);
        await tf.ready();
        if (backend === "wasm") {
          info.simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
          info.threads = (await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")) ? "multi" : "single";
        }
      },
      build: (c) => build(tf, c),
    });
  });
}

function fromData(tf: Tf, data: Float32Array | Int32Array, shape: number[], dtype = "float32"): T {
  return tf.tensor(data, shape, dtype);
}

function crossEntropy(tf: Tf, logits: T, onehot: T): T {
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), onehot), 1)));
}

/** A training step: Adam on `vars` minimising `loss()`, tidied so no tensor outlives it. */
function trainer(tf: Tf, vars: T[], loss: () => T): Prepared {
  const opt = tf.train.adam(ADAM.lr, ADAM.b1, ADAM.b2, ADAM.eps);
  return {
    step: (iters) => {
      for (let i = 0; i < iters; i++) tf.tidy(() => opt.minimize(loss, false, vars));
    },
    dispose: () => {
      opt.dispose();
      vars.forEach((v) => v.dispose());
    },
  };
}

function build(tf: Tf, c: CaseSpec): Prepared {
  const p = c.params;
  const keep: T[] = [];
  const own = <X extends T>(x: X): X => (keep.push(x), x);
  const done = (prep: Prepared): Prepared => ({
    step: prep.step,
    dispose: () => {
      prep.dispose?.();
      keep.forEach((t) => t.dispose());
    },
  });
  const repeat = (op: () => T): Prepared => ({
    step: (iters) => {
      for (let i = 0; i < iters; i++) op().dispose();
    },
  });
  switch (p.kind) {
    case "elementwise": {
      const x = own(fromData(tf, uniforms(1, p.n, -2, 2), [p.n]));
      const y = own(fromData(tf, uniforms(2, p.n, -2, 2), [p.n]));
      const op = { add: () => tf.add(x, y), mul: () => tf.mul(x, y), exp: () => tf.exp(x), tanh: () => tf.tanh(x) }[p.op];
      return done(repeat(op));
    }
    case "matmul":
    case "tiny": {
      const shape = p.kind === "tiny" && p.op === "add" ? [p.n] : [p.n, p.n];
      const size = shape.reduce((a, b) => a * b, 1);
      const a = own(fromData(tf, normals(11, size), shape));
      const b = own(fromData(tf, normals(12, size), shape));
      return done(repeat(p.kind === "tiny" && p.op === "add" ? () => tf.add(a, b) : () => tf.matMul(a, b)));
    }
    case "mlp": {
      const classes = p.sizes[p.sizes.length - 1];
      const x = own(fromData(tf, normals(7, p.batch * p.sizes[0]), [p.batch, p.sizes[0]]));
      const onehot = own(tf.cast(tf.oneHot(own(fromData(tf, labels(8, p.batch, classes), [p.batch], "int32")), classes), "float32"));
      const params: T[] = mlpShapes(p.sizes).flatMap(({ w, b }, i) => [tf.variable(fromData(tf, heNormal(100 + i, w[0] * w[1], w[0]), w)), tf.variable(tf.zeros(b))]);
      const loss = (ps: T[]): T => {
        let h = x;
        for (let i = 0; i < ps.length; i += 2) {
          h = tf.add(tf.matMul(h, ps[i]), ps[i + 1]);
          if (i + 2 < ps.length) h = tf.relu(h);
        }
        return crossEntropy(tf, h, onehot);
      };
      if (p.train) return done(trainer(tf, params, () => loss(params)));
      const gradFn = tf.grads((...ps: T[]) => loss(ps));
      keep.push(...params);
      return done({
        step: (iters) => {
          for (let i = 0; i < iters; i++) tf.tidy(() => gradFn(params));
        },
      });
    }
    case "cnn": {
      const [c1, c2] = p.channels;
      const feat = c2 * (p.image / 4) ** 2;
      const x = own(fromData(tf, normals(9, p.batch * p.image * p.image), [p.batch, p.image, p.image, 1]));
      const onehot = own(tf.cast(tf.oneHot(own(fromData(tf, labels(10, p.batch, p.classes), [p.batch], "int32")), p.classes), "float32"));
      const shapes = [[3, 3, 1, c1], [c1], [3, 3, c1, c2], [c2], [feat, p.classes], [p.classes]];
      const fans = [9, 0, 9 * c1, 0, feat, 0];
      const vars: T[] = shapes.map((s, i) => tf.variable(fans[i] ? fromData(tf, heNormal(200 + i, s.reduce((a, b) => a * b, 1), fans[i]), s) : tf.zeros(s)));
      const block = (h: T, k: T, b: T): T => tf.maxPool(tf.relu(tf.add(tf.conv2d(h, k, 1, "same"), b)), 2, 2, "valid");
      const loss = (): T => {
        const h = block(block(x, vars[0], vars[1]), vars[2], vars[3]);
        return crossEntropy(tf, tf.add(tf.matMul(tf.reshape(h, [p.batch, feat]), vars[4]), vars[5]), onehot);
      };
      return done(trainer(tf, vars, loss));
    }
    case "hvp": {
      const d = logregData(p.rows, p.cols);
      const X = own(fromData(tf, d.X, [p.rows, p.cols]));
      const y = own(fromData(tf, d.y, [p.rows]));
      const w = own(fromData(tf, d.w, [p.cols]));
      const v = own(fromData(tf, d.v, [p.cols]));
      const L = (w: T): T => {
        const z = tf.squeeze(tf.matMul(X, tf.reshape(w, [p.cols, 1])), [1]);
        return tf.add(tf.mean(tf.sub(tf.softplus(z), tf.mul(y, z))), tf.mul(p.l2, tf.sum(tf.square(w))));
      };
      const g = tf.grad(L);
      const hvp = tf.grad((w: T) => tf.sum(tf.mul(g(w), v)));
      return done({
        step: (iters) => {
          for (let i = 0; i < iters; i++) tf.tidy(() => hvp(w));
        },
      });
    }
    case "gemm":
      throw new Error(`${c.id} is a gradnav-only case`);
  }
}
