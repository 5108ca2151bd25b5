/* Data movement: one strided copy (transpose, broadcast, slice, flip, pad and concat are all made of
 * it on the JS side) and a cache-blocked transpose of the last two axes. */
#include <string.h>
#include "kernels.h"
#include "strided.h"

typedef struct {
  int width;
  const char *src;
  char *dst;
  long ss, ds;
} copy_t;

#define COPY_RUN(T)                                                                   \
  do {                                                                                \
    const T *s = (const T *)c->src + offs[0];                                         \
    T *d = (T *)c->dst + offs[1];                                                     \
    if (c->ss == 1 && c->ds == 1) memcpy(d, s, (size_t)n * sizeof(T));                \
    else if (c->ss == 0)                                                              \
      for (long i = 0; i < n; i++) d[i * c->ds] = s[0];                               \
    else                                                                              \
      for (long i = 0; i < n; i++) d[i * c->ds] = s[i * c->ss];                       \
  } while (0)

static void copy_run(void *ctx, const long *offs, long n) {
  copy_t *c = ctx;
  if (c->width == 1) COPY_RUN(uint8_t);
  else if (c->width == 4) COPY_RUN(uint32_t);
  else COPY_RUN(uint64_t);
}

void gn_copy(int width, const void *src, void *dst, int rank, const long *shape, const long *ss, const long *ds) {
  copy_t c = {.width = width, .src = src, .dst = dst, .ss = ss[rank - 1], .ds = ds[rank - 1]};
  const long *strides[2] = {ss, ds};
  gn_strided(rank, shape, 2, strides, copy_run, &c);
}

#define TB 32
#define TRANSPOSE(T)                                                                               \
  do {                                                                                             \
    const T *s = src;                                                                              \
    T *d = dst;                                                                                    \
    for (long b = 0; b < batch; b++, s += m * n, d += m * n)                                       \
      for (long i0 = 0; i0 < m; i0 += TB)                                                          \
        for (long j0 = 0; j0 < n; j0 += TB) {                                                      \
          const long i1 = i0 + TB < m ? i0 + TB : m, j1 = j0 + TB < n ? j0 + TB : n;               \
          for (long i = i0; i < i1; i++)                                                           \
            for (long j = j0; j < j1; j++) d[j * m + i] = s[i * n + j];                            \
        }                                                                                          \
  } while (0)

void gn_transpose(int width, const void *src, void *dst, long batch, long m, long n) {
  if (width == 1) TRANSPOSE(uint8_t);
  else if (width == 4) TRANSPOSE(uint32_t);
  else TRANSPOSE(uint64_t);
}
