/**
 * Gathers and scatters on the wasm backend: the reference kernels, reading the inputs through heap
 * views (no copy in; the output is copied into the heap). They check every index and throw the
 * reference's errors, and they are rarely hot (labels, embedding lookups).
 */
export const indexingEntries = {
  take: { fallback: "index checks and errors as in the reference; reads heap views directly" },
  scatterAdd: { fallback: "index checks and errors as in the reference; reads heap views directly" },
  takeAlongAxis: { fallback: "index checks and errors as in the reference; reads heap views directly" },
  scatterAddAlongAxis: { fallback: "index checks and errors as in the reference; reads heap views directly" },
};
