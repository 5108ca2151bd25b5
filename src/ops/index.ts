/** All ops, public and internal, for use inside gradnav (derivative rules, Tensor methods). */
export * from "./public.js";
export { constant, coerce, isFloatTensor } from "./elementwise.js";
export { sumToShape, swapLastAxes } from "./shape.js";
export * from "./internal.js";
