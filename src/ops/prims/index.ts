/**
 * The closed set of primitives. Everything else in gradnav is composed from these. The backend kernel
 * tables and the generated test suite are typed over `PrimName`, so adding a primitive here without a
 * kernel on each backend does not compile, and its samples are tested automatically.
 * How to add one: docs/adding-an-op.md.
 */
import type { Primitive } from "../../engine/primitive.js";
import * as elementwise from "./elementwise.js";
import * as reduce from "./reduce.js";
import * as movement from "./movement.js";
import * as indexing from "./indexing.js";
import * as matmul from "./matmul.js";
import * as conv from "./conv.js";
import * as linalg from "./linalg.js";

export const prims = {
  // elementwise
  neg: elementwise.neg,
  exp: elementwise.exp,
  log: elementwise.log,
  log1p: elementwise.log1p,
  expm1: elementwise.expm1,
  sqrt: elementwise.sqrt,
  reciprocal: elementwise.reciprocal,
  sin: elementwise.sin,
  cos: elementwise.cos,
  tan: elementwise.tan,
  tanh: elementwise.tanh,
  sigmoid: elementwise.sigmoid,
  softplus: elementwise.softplus,
  erf: elementwise.erf,
  abs: elementwise.abs,
  relu: elementwise.relu,
  sign: elementwise.sign,
  floor: elementwise.floor,
  ceil: elementwise.ceil,
  round: elementwise.round,
  add: elementwise.add,
  sub: elementwise.sub,
  mul: elementwise.mul,
  div: elementwise.div,
  pow: elementwise.pow,
  maximum: elementwise.maximum,
  minimum: elementwise.minimum,
  equal: elementwise.equal,
  notEqual: elementwise.notEqual,
  less: elementwise.less,
  lessEqual: elementwise.lessEqual,
  greater: elementwise.greater,
  greaterEqual: elementwise.greaterEqual,
  logicalAnd: elementwise.logicalAnd,
  logicalOr: elementwise.logicalOr,
  logicalNot: elementwise.logicalNot,
  where: elementwise.where,
  cast: elementwise.cast,
  // reductions
  sum: reduce.sum,
  max: reduce.max,
  min: reduce.min,
  prod: reduce.prod,
  argmax: reduce.argmax,
  argmin: reduce.argmin,
  cumsum: reduce.cumsum,
  logSoftmax: reduce.logSoftmax,
  // movement
  reshape: movement.reshape,
  transpose: movement.transpose,
  broadcastTo: movement.broadcastTo,
  slice: movement.slice,
  pad: movement.pad,
  concat: movement.concat,
  flip: movement.flip,
  // indexing
  take: indexing.take,
  scatterAdd: indexing.scatterAdd,
  takeAlongAxis: indexing.takeAlongAxis,
  scatterAddAlongAxis: indexing.scatterAddAlongAxis,
  // linear algebra
  matmul: matmul.matmul,
  // convolution and pooling
  conv2d: conv.conv2d,
  conv2dGradInput: conv.conv2dGradInput,
  conv2dGradFilter: conv.conv2dGradFilter,
  maxPool2dArgmax: conv.maxPool2dArgmax,
  // linear algebra: decompositions and solves
  cholesky: linalg.cholesky,
  triangularSolve: linalg.triangularSolve,
  solve: linalg.solve,
  logAbsDet: linalg.logAbsDet,
  detSign: linalg.detSign,
// eslint-disable-next-line @typescript-eslint/no-explicit-any
} satisfies Record<string, Primitive<any>>;

export type Prims = typeof prims;
export type PrimName = keyof Prims;
export type ParamsOf<N extends PrimName> = Prims[N] extends Primitive<infer P> ? P : never;
