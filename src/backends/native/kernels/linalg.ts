/**
 * Linear-algebra routines on the native backend: the reference kernels, on the same arrays. They are
 * O(n^3) on small matrices with pivoting and singularity rules (and error messages) the reference defines.
 */
const why = "factorisations with the reference's pivoting and singularity rules; reads the same arrays";
export const linalgEntries = {
  cholesky: { fallback: why },
  triangularSolve: { fallback: why },
  solve: { fallback: why },
  logAbsDet: { fallback: why },
  detSign: { fallback: why },
};
