/** Penalties added to the training loss. */
import { ValueError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { treeLeavesWithPath } from "../core/tree.js";
import { scalar } from "../ops/creation.js";

/**
 * The L2 penalty (lambda / 2) · sum of squares of the chosen parameters, as a function of the params.
 * By default every leaf but biases (leaves named "b") is included, as scikit-learn's and most
 * references' L2 terms leave the intercept out. NaN parameters give a NaN penalty.
 * @example await gn.train.fit(model, data.train, { penalty: gn.train.l2Penalty(1e-3) });
 */
export function l2Penalty(lambda: number, opts: { include?: (path: string) => boolean } = {}): (params: unknown) => Tensor {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new ValueError(`l2Penalty: lambda must be a finite number >= 0, got ${lambda}`);
  const include = opts.include ?? ((path: string) => path.split(".").pop() !== "b");
  return (params) => {
    let total: Tensor | null = null;
    for (const [path, p] of treeLeavesWithPath(params)) {
      if (!include(path)) continue;
      const s = p.square().sum();
      total = total === null ? s : total.add(s);
    }
    return total === null ? scalar(0) : total.mul(lambda / 2);
  };
}
