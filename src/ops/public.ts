/** Every public op (re-exported by src/index.ts). */
export * from "./creation.js";
export { cast, add, sub, mul, div, pow, maximum, minimum, neg, abs, sign, exp, log, log1p, expm1, sqrt, reciprocal, sin, cos, tan, tanh, sigmoid, softplus, erf, relu, floor, ceil, round, square, leakyRelu, elu, gelu, clip, where, equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, logicalNot, isNaN, isFinite } from "./elementwise.js";
export { sum, prod, max, min, mean, variance, variance as var, std, logsumexp, argmax, argmin, cumsum, softmax, logSoftmax, type AxisArg, type ReduceOptions } from "./reduce.js";
export { reshape, transpose, swapAxes, moveAxis, expandDims, squeeze, broadcastTo, broadcastArrays, slice, pad, concat, stack, split, flip, tile, type PadWidth } from "./shape.js";
export { take, gather, scatterAdd, takeAlongAxis, scatterAddAlongAxis, oneHot } from "./indexing.js";
export { conv2d, maxPool2d, avgPool2d, type Conv2dOptions, type MaxPool2dOptions, type AvgPool2dOptions, type Size2, type Padding2 } from "./nn.js";
export { matmul, dot, outer, solve, triangularSolve, cholesky, inv, det, logdet, slogdet, diagonal, trace, norm, type TriangularSolveOptions, type NormOptions } from "./linalg.js";
