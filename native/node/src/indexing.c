/* Gathers and scatters along one axis (max pooling's pick and its transpose). Negative indices count
 * from the end; any index still out of range makes the kernel report failure, and the JS side then
 * runs the reference kernel, which throws the error users see. */
#include <string.h>
#include "kernels.h"

#define TAKE(T)                                                                   \
  do {                                                                            \
    const T *xs = x;                                                              \
    T *ys = y;                                                                    \
    for (long o = 0; o < outer; o++)                                              \
      for (long k = 0; k < m; k++)                                                \
        for (long i = 0; i < inner; i++) {                                        \
          const long p = (o * m + k) * inner + i;                                 \
          long j = idx[p];                                                        \
          if (j < 0) j += n;                                                      \
          if (j < 0 || j >= n) return 0;                                          \
          ys[p] = xs[(o * n + j) * inner + i];                                    \
        }                                                                         \
  } while (0)

int gn_take_along(int width, const void *x, const int32_t *idx, void *y, long outer, long n, long m, long inner) {
  if (width == 1) TAKE(uint8_t);
  else if (width == 4) TAKE(uint32_t);
  else TAKE(uint64_t);
  return 1;
}

#define SCATTER(T)                                                                \
  do {                                                                            \
    const T *us = upd;                                                            \
    T *ys = y;                                                                    \
    memset(ys, 0, (size_t)outer * dim * inner * sizeof(T));                       \
    for (long o = 0; o < outer; o++)                                              \
      for (long k = 0; k < m; k++)                                                \
        for (long i = 0; i < inner; i++) {                                        \
          const long p = (o * m + k) * inner + i;                                 \
          long j = idx[p];                                                        \
          if (j < 0) j += dim;                                                    \
          if (j < 0 || j >= dim) return 0;                                        \
          ys[(o * dim + j) * inner + i] += us[p];                                 \
        }                                                                         \
  } while (0)

int gn_scatter_add_along(int dt, const int32_t *idx, const void *upd, void *y, long outer, long m, long dim, long inner) {
  if (dt == GN_F32) SCATTER(float);
  else SCATTER(double);
  return 1;
}
