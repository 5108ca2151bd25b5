/**
 * Custom derivative rules for user functions, e.g. for numerical stability. Both work to any order and
 * under every transform, provided the rule itself is written in gradnav ops.
 */
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { JvpTrace, type Trace, VjpTrace } from "../engine/trace.js";
import { zerosLike } from "../ops/creation.js";
import { vjp } from "./autodiff.js";

function topTrace(args: Tensor[]): Trace | null {
  let top: Trace | null = null;
  for (const x of args) if (x._trace !== null && (top === null || x._trace.level > top.level)) top = x._trace;
  return top;
}

function checkArgs(op: string, args: unknown[]): Tensor[] {
  args.forEach((a, i) => {
    if (!(a instanceof Tensor)) throw new ValueError(`${op}: argument ${i} must be a Tensor (custom rules take positional tensor arguments)`);
  });
  return args as Tensor[];
}

function checkOut(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor)) throw new ValueError(`${op}: the function must return one Tensor`);
  return out;
}

/**
 * A function with a user-given forward-mode rule. `rule(primals, tangents, out)` returns the output
 * tangent; it must be linear in `tangents`. Reverse mode uses the same rule, transposed automatically
 * (by reverse-differentiating it with respect to the tangents), so one rule serves both modes.
 *
 * @example
 * // log(1 + e^x) with a stable derivative sigmoid(x):
 * const softplus = gn.customJvp(
 *   (x) => gn.softplus(x),
 *   ([x], [t]) => t.mul(gn.sigmoid(x)),
 * );
 * gn.grad((x) => softplus(x).sum())(gn.tensor([1000])); // [1]
 */
export function customJvp(f: (...args: Tensor[]) => Tensor, rule: (primals: Tensor[], tangents: Tensor[], out: Tensor) => Tensor): (...args: Tensor[]) => Tensor {
  const g = (...raw: Tensor[]): Tensor => {
    const args = checkArgs("customJvp", raw);
    const top = topTrace(args);
    if (top === null) return checkOut("customJvp", f(...args));
    const lowered = args.map((x) => top.lower(x));
    const out = g(...lowered);
    if (top instanceof JvpTrace) {
      const tangents = args.map((x) => (x._trace === top && x._tangent !== null ? x._tangent : zerosLike(top.lower(x))));
      return top.tracer(out, rule(lowered, tangents, out));
    }
    if (top instanceof VjpTrace) {
      const parents = args.map((x) => (x._trace === top ? x._node : -1));
      return top.record({
        prim: null,
        params: null,
        primals: lowered,
        parents,
        out,
        custom: (ct) => {
          // The rule is linear in the tangents, so its transpose is its vjp with respect to them (at zero).
          const [, pullback] = vjp((...ts: Tensor[]) => rule(lowered, ts, out), ...lowered.map((x) => zerosLike(x)));
          return pullback(ct);
        },
      });
    }
    throw new ValueError("customJvp: unknown transform");
  };
  return g;
}

/**
 * A function with a user-given reverse-mode rule. `fwd(...args)` returns [out, residuals] and
 * `bwd(residuals, ct)` returns one cotangent per argument (null for none). Under forward mode (jvp),
 * gradnav differentiates `fwd`'s own ops instead, since a VJP rule cannot give a JVP.
 *
 * @example
 * const clipGrad = gn.customVjp(
 *   (x) => x,
 *   (x) => [x, null],
 *   (_res, ct) => [gn.clip(ct, -1, 1)],
 * );
 */
export function customVjp<R>(
  f: (...args: Tensor[]) => Tensor,
  fwd: (...args: Tensor[]) => [Tensor, R],
  bwd: (residuals: R, ct: Tensor) => (Tensor | null)[],
): (...args: Tensor[]) => Tensor {
  const g = (...raw: Tensor[]): Tensor => {
    const args = checkArgs("customVjp", raw);
    const top = topTrace(args);
    if (top === null) return checkOut("customVjp", f(...args));
    if (top instanceof JvpTrace) return checkOut("customVjp", fwd(...args)[0]);
    const lowered = args.map((x) => top.lower(x));
    const loweredTraced = topTrace(lowered) !== null;
    // With lower-level transforms active, compute the output through g itself so they apply this rule too.
    const [fwdOut, residuals] = fwd(...lowered);
    const out = loweredTraced ? g(...lowered) : fwdOut;
    const parents = args.map((x) => (x._trace === top ? x._node : -1));
    return (top as VjpTrace).record({
      prim: null,
      params: null,
      primals: lowered,
      parents,
      out: checkOut("customVjp", out),
      custom: (ct) => {
        const cts = bwd(residuals, ct);
        if (!Array.isArray(cts) || cts.length !== args.length)
          throw new ValueError(`customVjp: bwd must return an array of ${args.length} cotangent(s) (one per argument, null for none), got ${Array.isArray(cts) ? cts.length : typeof cts}`);
        return cts;
      },
    });
  };
  return g;
}
