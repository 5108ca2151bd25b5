/**
 * Freeing what a training step replaced. The wasm backend keeps tensors in its own heap, and inside a
 * synchronous loop the garbage collector never tells it which ones became unreachable: a loop that
 * drops the old parameters, optimizer state and gradients without disposing them fills the heap
 * until it spills (see gn.memoryInfo().spills). On the other backends dispose() is cheap or a no-op.
 *
 * The ownership rule of gn.optim and gn.train: a step (an optimizer's update, gn.train.makeTrainStep)
 * never disposes what it is given, since the caller may still hold it; what it returns is new, and the
 * loop that drops it frees it. Temporaries a step makes and drops itself (a chain's intermediate
 * updates, a leaf update's partial results) it frees before returning. gn.train.fit frees each step's
 * leftovers that it made itself and never handed out (see fit.ts); a loop of one's own calls
 * `disposeDropped`.
 */
import type { Tensor } from "../core/tensor.js";
import { treeLeaves } from "../core/tree.js";

/**
 * Disposes every tensor of the `dropped` trees that is not also a tensor of the `kept` trees, nor in
 * `held` (tensors someone else still uses). Trees may share tensors (an optimizer state that carries
 * a moment over unchanged, updates equal to the gradients): a shared tensor is kept if any kept tree
 * holds it. Returns how many tensors were disposed.
 * @example
 * const r = step(params, modelState, optState, { x, y });
 * gn.optim.disposeDropped([params, modelState, optState, r.grads, r.updates, r.loss, r.output], [r.params, r.modelState, r.optState]);
 * ({ params, modelState, optState } = r);
 */
export function disposeDropped(dropped: readonly unknown[], kept: readonly unknown[], held?: WeakSet<Tensor>): number {
  const keep = new Set<Tensor>();
  for (const tree of kept) for (const x of treeLeaves(tree)) keep.add(x);
  let n = 0;
  for (const tree of dropped)
    for (const x of treeLeaves(tree))
      if (!keep.has(x) && !(held?.has(x) ?? false)) {
        keep.add(x); // a tensor listed twice is disposed once
        x.dispose();
        n++;
      }
  return n;
}
