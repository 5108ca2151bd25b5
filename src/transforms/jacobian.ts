/** Jacobians and Hessians from the two modes: one pullback per output element, or one JVP per input element. */
import { allocTyped } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { treeLeaves, treeUnflatten } from "../core/tree.js";
import { fromTypedUnchecked, zerosLike } from "../ops/creation.js";
import { reshape, stack, transpose } from "../ops/shape.js";
import { type GradOptions, grad, jvp, vjpArgnums } from "./autodiff.js";
import { releasing } from "../engine/scope.js";

function basis(like: Tensor, index: number): Tensor {
  const data = allocTyped(like.dtype, like.size);
  data[index] = 1;
  return fromTypedUnchecked(data, like.shape, like.dtype);
}

type JacOptions = Pick<GradOptions, "argnums">;

function argnumList(argnums: number | number[] | undefined): number[] {
  return argnums === undefined ? [0] : typeof argnums === "number" ? [argnums] : argnums;
}

/**
 * Assembles blocks: for output leaf i and input leaf j, `rows[i][j]` holds one tensor per element of
 * output leaf i (reverse mode) which we stack to out.shape + in.shape.
 */
function assemble(out: unknown, args: unknown[], argnums: number | number[] | undefined, block: (outLeaf: number, argIndex: number, inLeaf: number) => Tensor): unknown {
  const outLeaves = treeLeaves(out);
  const list = argnumList(argnums);
  const perOut = outLeaves.map((_, i) => {
    const perArg = list.map((a, k) => {
      const leaves = treeLeaves(args[a]);
      return treeUnflatten(args[a], leaves.map((_, j) => block(i, k, j)));
    });
    return typeof argnums === "object" ? perArg : perArg[0];
  });
  return out instanceof Tensor ? perOut[0] : treeUnflatten(out, perOut as never);
}

/**
 * The Jacobian by reverse mode (one backward pass per output element): for f: R^n -> R^m it has shape
 * out.shape + in.shape. Best when outputs are fewer than inputs. Trees: a tree like the output whose
 * leaves are trees like the argument.
 *
 * @example gn.jacrev((x) => x.square())(gn.tensor([1, 2])) // [[2, 0], [0, 4]]
 */
export function jacrev(f: (...args: any[]) => unknown, opts: JacOptions = {}): (...args: any[]) => any {
  return (...args: unknown[]) => {
    const list = argnumList(opts.argnums);
    const [out, pullback] = vjpArgnums(f, args, list, false, "jacrev");
    const outLeaves = treeLeaves(out);
    // rows[i][k][j][e]: cotangent of arg k leaf j for basis element e of output leaf i.
    const rows = outLeaves.map((o, i) => {
      const perElement: Tensor[][][] = [];
      for (let e = 0; e < o.size; e++) {
        const ct = treeUnflatten(out, outLeaves.map((x, m) => (m === i ? basis(x, e) : zerosLike(x))));
        perElement.push(pullback(ct).map((g) => treeLeaves(g)));
      }
      return perElement;
    });
    return assemble(out, args, opts.argnums, (i, k, j) => {
      const o = outLeaves[i];
      const inLeaf = treeLeaves(args[list[k]])[j];
      const r = rows[i].map((e) => e[k][j]);
      if (r.length === 0) return zeros0([...o.shape, ...inLeaf.shape], inLeaf);
      return reshape(stack(r, 0), [...o.shape, ...inLeaf.shape]);
    });
  };
}

function zeros0(shape: number[], like: Tensor): Tensor {
  return fromTypedUnchecked(allocTyped(like.dtype, 0), shape, like.dtype);
}

/**
 * The Jacobian by forward mode (one JVP per input element), shaped like `jacrev`'s. Best when inputs are
 * fewer than outputs.
 *
 * @example gn.jacfwd((x) => x.square())(gn.tensor([1, 2])) // [[2, 0], [0, 4]]
 */
export function jacfwd(f: (...args: any[]) => unknown, opts: JacOptions = {}): (...args: any[]) => any {
  return (...args: unknown[]) => {
    const list = argnumList(opts.argnums);
    const selected = list.map((a) => args[a]);
    // Only the selected arguments get tangents; the others are closed over as constants.
    const call = (...xs: unknown[]) => {
      const full = [...args];
      list.forEach((a, k) => (full[a] = xs[k]));
      return f(...full);
    };
    let out: unknown = undefined;
    // cols[k][j][e] = output tangent leaves for basis element e of selected arg k, leaf j.
    const cols = selected.map((arg, k) =>
      treeLeaves(arg).map((leaf, j) => {
        const perElement: Tensor[][] = [];
        for (let e = 0; e < leaf.size; e++) {
          const tangents = selected.map((s, kk) => treeUnflatten(s, treeLeaves(s).map((x, m) => (kk === k && m === j ? basis(x, e) : zerosLike(x)))));
          const [y, t] = jvp(call, selected, tangents);
          out = y;
          perElement.push(treeLeaves(t));
        }
        return perElement;
      }),
    );
    if (out === undefined) out = f(...args);
    const outLeaves = treeLeaves(out);
    return assemble(out, args, opts.argnums, (i, k, j) => {
      const inLeaf = treeLeaves(args[list[k]])[j];
      const o = outLeaves[i];
      const c = cols[k][j].map((e) => e[i]);
      if (c.length === 0) return zeros0([...o.shape, ...inLeaf.shape], inLeaf);
      // Stacked as [in.size, ...out.shape]; move the input axis to the end.
      const s = stack(c, 0);
      const perm = [...o.shape.map((_, d) => d + 1), 0];
      return reshape(transpose(s, perm), [...o.shape, ...inLeaf.shape]);
    });
  };
}

/** The Jacobian (reverse mode, as JAX's `jacobian`). @example gn.jacobian((x) => x.sin())(gn.tensor([0])) // [[1]] */
export function jacobian(f: (...args: any[]) => unknown, opts: JacOptions = {}): (...args: any[]) => any {
  return jacrev(f, opts);
}

/**
 * The Hessian of a scalar function: forward over reverse (jacfwd of jacrev), shaped in.shape + in.shape.
 * @example gn.hessian((x) => x.pow(3).sum())(gn.tensor([1, 2])) // [[6, 0], [0, 12]]
 */
export function hessian(f: (...args: any[]) => unknown, opts: JacOptions = {}): (...args: any[]) => any {
  return jacfwd(jacrev(f, opts), opts);
}

/**
 * A Hessian-vector product without forming the Hessian: forward mode over reverse mode, so it costs a
 * small constant times one gradient. `primals` and `tangents` hold one tree per argument of f (all
 * arguments are differentiated); returns a tree like the first argument (or an array, for several).
 *
 * @example gn.hvp((x) => x.pow(3).sum(), [gn.tensor([1, 2])], [gn.tensor([1, 0])]) // [6, 0]
 */
export function hvp(f: (...args: any[]) => unknown, primals: readonly unknown[], tangents: readonly unknown[]): any {
  if (primals.length !== tangents.length) throw new ValueError(`hvp: ${primals.length} primals but ${tangents.length} tangents`);
  const argnums = primals.map((_, i) => i);
  const g = grad(f, { argnums: primals.length === 1 ? 0 : argnums });
  // The gradient itself (jvp's primal result) is not returned: free it with the other intermediates.
  const [, t] = releasing(() => jvp(g, primals, tangents), ([, tangent]) => [tangent, primals, tangents]);
  return t;
}
