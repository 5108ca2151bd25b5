/* Walking a collapsed shape with per-operand strides (see strided.c). */
#ifndef GN_STRIDED_H
#define GN_STRIDED_H
#include "common.h"

/* Calls run(ctx, offs, n) for each innermost run of `shape`: offs[k] is operand k's element offset at
 * the run's start; along the run operand k advances by strides[k][rank - 1]. Output operands
 * (contiguous) are among the strides like any other. */
typedef void (*gn_run)(void *ctx, const long *offs, long n);
void gn_strided(int rank, const long *shape, int nops, const long *const *strides, gn_run run, void *ctx);

#endif
