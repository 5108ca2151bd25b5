/** Convolution primitives on the wasm backend (native kernels: stage d of the wasm plan). */
export const convEntries = {
  conv2d: { fallback: "not yet native: the reference kernel on heap views" },
  conv2dGradInput: { fallback: "not yet native: the reference kernel on heap views" },
  conv2dGradFilter: { fallback: "not yet native: the reference kernel on heap views" },
  maxPool2dArgmax: { fallback: "not yet native: the reference kernel on heap views" },
};
