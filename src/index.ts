/**
 * gradnav: exact derivatives that steer optimization.
 *
 * @example
 * import * as gn from "gradnav";
 * const f = (x) => x.sin().mul(x).sum();
 * gn.grad(f)(gn.tensor([1, 2]));
 */
import { registerBackend } from "./backends/registry.js";
import { referenceBackend } from "./backends/reference/index.js";
import { wasmBackend, wasmSupported } from "./backends/wasm/index.js";
import { chooseDefaultBackend } from "./backends/defaultBackend.js";
import { registerNativeBackend } from "./backends/native/register.js";

// The first backend registered is the default: wasm where WebAssembly SIMD runs, else the reference.
if (wasmSupported()) registerBackend(wasmBackend);
registerBackend(referenceBackend);
registerNativeBackend();
chooseDefaultBackend();

export { Tensor, type NestedArray, type TensorOrNumber } from "./core/tensor.js";
export { type DType, type TypedArray, DTYPES, isFloat, promoteTypes } from "./core/dtype.js";
export { GradnavError, ShapeError, DTypeError, ValueError, NonFiniteError, LeakedTracerError } from "./core/errors.js";
export { type Tree, treeLeaves, treeLeavesWithPath, treeMap, treeUnflatten, treeStructureEqual } from "./core/tree.js";
export * from "./ops/public.js";
export { debugNans } from "./engine/trace.js";
export { profile, type Profile, type OpProfile } from "./engine/profile.js";
export { grad, valueAndGrad, vjp, jvp, type GradOptions } from "./transforms/autodiff.js";
export { jacrev, jacfwd, jacobian, hessian, hvp } from "./transforms/jacobian.js";
export { customJvp, customVjp } from "./transforms/custom.js";
export { stopGradient } from "./transforms/stopGradient.js";
export { checkGrads, GradCheckError, type CheckGradsOptions, type Mode } from "./testing/checkGrads.js";
export { setBackend, getBackend, listBackends, registerBackend } from "./backends/registry.js";
export type { Backend, Aval } from "./backends/backend.js";
export { memoryInfo, type MemoryInfo } from "./backends/memoryInfo.js";
export { listWasmKernels, setWasmHeapBudget, setWasmThreads, wasmReady } from "./backends/wasm/index.js";
export { listNativeKernels, nativeInfo, setNativeThreads, type NativeInfo } from "./backends/native/index.js";
export * as random from "./random/index.js";
export * as nn from "./nn/index.js";
export * as losses from "./nn/losses.js";
export * as io from "./io/index.js";
export * as metrics from "./nn/metrics.js";
export * as audit from "./analysis/index.js";
export * as data from "./data/index.js";
export * as optim from "./optim/index.js";
export * as fairness from "./analysis/fairness/index.js";
export * as influence from "./analysis/influence/index.js";
export * as train from "./train/index.js";
