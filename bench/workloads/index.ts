/**
 * gradnav's implementation of every case, by workload kind. Each builder allocates its inputs on the
 * current backend and returns the step the harness times.
 */
import type { CaseSpec } from "../cases.js";
import type { Prepared } from "../engine.js";
import { cnn } from "./cnn.js";
import { elementwise } from "./elementwise.js";
import { cnnFit, mlpFit } from "./fit.js";
import { gemm } from "./gemm.js";
import { hvp } from "./hvp.js";
import { matmul } from "./matmul.js";
import { mlp } from "./mlp.js";
import { tiny } from "./tiny.js";

export function buildGradnavCase(c: CaseSpec): Prepared {
  const p = c.params;
  switch (p.kind) {
    case "elementwise":
      return elementwise(p);
    case "matmul":
      return matmul(p);
    case "gemm":
      return gemm(p);
    case "mlp":
      return p.via === "fit" ? mlpFit(p) : mlp(p);
    case "cnn":
      return p.via === "fit" ? cnnFit(p) : cnn(p);
    case "hvp":
      return hvp(p);
    case "tiny":
      return tiny(p);
  }
}
