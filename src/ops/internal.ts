/**
 * Direct binds of primitives with already-normalised params, for derivative rules (which know their
 * shapes are valid and must not re-normalise). Not part of the public API.
 */
import type { Tensor } from "../core/tensor.js";
import { bind } from "../engine/trace.js";
import type { ConcatParams, FlipParams, PadParams, SliceParams } from "./prims/movement.js";
import type { CumsumParams, LogSoftmaxParams, ReduceParams } from "./prims/reduce.js";
import type { TriangularSolveParams } from "./prims/linalg.js";
import type { AlongAxisParams, ScatterAddParams, TakeParams } from "./prims/indexing.js";
import type { Conv2dGradFilterParams, Conv2dGradInputParams, Conv2dParams, PoolWindowParams } from "./prims/conv.js";

export const sumPrim = (x: Tensor, p: ReduceParams): Tensor => bind("sum", [x], p);
export const prodPrim = (x: Tensor, p: ReduceParams): Tensor => bind("prod", [x], p);
export const cumsumPrim = (x: Tensor, p: CumsumParams): Tensor => bind("cumsum", [x], p);
export const logSoftmaxPrim = (x: Tensor, p: LogSoftmaxParams): Tensor => bind("logSoftmax", [x], p);
export const slicePrim = (x: Tensor, p: SliceParams): Tensor => bind("slice", [x], p);
export const padPrim = (x: Tensor, p: PadParams): Tensor => bind("pad", [x], p);
export const concatPrim = (xs: Tensor[], p: ConcatParams): Tensor => bind("concat", xs, p);
export const flipPrim = (x: Tensor, p: FlipParams): Tensor => bind("flip", [x], p);
export const takePrim = (x: Tensor, idx: Tensor, p: TakeParams): Tensor => bind("take", [x, idx], p);
export const scatterAddPrim = (idx: Tensor, upd: Tensor, p: ScatterAddParams): Tensor => bind("scatterAdd", [idx, upd], p);
export const takeAlongAxisPrim = (x: Tensor, idx: Tensor, p: AlongAxisParams): Tensor => bind("takeAlongAxis", [x, idx], p);
export const scatterAddAlongAxisPrim = (idx: Tensor, upd: Tensor, p: ScatterAddParams): Tensor => bind("scatterAddAlongAxis", [idx, upd], p);
export const matmulPrim = (a: Tensor, b: Tensor): Tensor => bind("matmul", [a, b], {});
export const conv2dPrim = (x: Tensor, w: Tensor, p: Conv2dParams): Tensor => bind("conv2d", [x, w], p);
export const conv2dGradInputPrim = (g: Tensor, w: Tensor, p: Conv2dGradInputParams): Tensor => bind("conv2dGradInput", [g, w], p);
export const conv2dGradFilterPrim = (x: Tensor, g: Tensor, p: Conv2dGradFilterParams): Tensor => bind("conv2dGradFilter", [x, g], p);
export const maxPool2dArgmaxPrim = (x: Tensor, p: PoolWindowParams): Tensor => bind("maxPool2dArgmax", [x], p);
export const solvePrim = (a: Tensor, b: Tensor): Tensor => bind("solve", [a, b], {});
export const triangularSolvePrim = (a: Tensor, b: Tensor, p: TriangularSolveParams): Tensor => bind("triangularSolve", [a, b], p);
