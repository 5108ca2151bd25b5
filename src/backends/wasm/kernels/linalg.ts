/**
 * Linear-algebra routines on the wasm backend: the reference kernels on heap views. They are
 * O(n^3) on small matrices with pivoting and singularity checks whose exact behaviour (and error
 * messages) the reference defines.
 */
const why = "factorisations with the reference's pivoting and singularity rules; reads heap views directly";
export const linalgEntries = {
  cholesky: { fallback: why },
  triangularSolve: { fallback: why },
  solve: { fallback: why },
  logAbsDet: { fallback: why },
  detSign: { fallback: why },
};
