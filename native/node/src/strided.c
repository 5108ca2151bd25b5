/* An odometer over all but the last axis of a collapsed shape. */
#include "strided.h"

void gn_strided(int rank, const long *shape, int nops, const long *const *strides, gn_run run, void *ctx) {
  long total = 1;
  for (int d = 0; d < rank; d++) total *= shape[d];
  if (total == 0) return;
  long offs[8] = {0};
  long idx[GN_MAX_RANK] = {0};
  const long inner = shape[rank - 1];
  for (;;) {
    run(ctx, offs, inner);
    int d = rank - 2;
    for (; d >= 0; d--) {
      idx[d]++;
      for (int k = 0; k < nops; k++) offs[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (int k = 0; k < nops; k++) offs[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}
