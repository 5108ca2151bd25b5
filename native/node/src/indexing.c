/* Gathers and scatters along one axis (max pooling's pick and its transpose). Negative indices count
 * from the end; any index still out of range makes the kernel report failure, and the JS side then
 * runs the reference kernel, which throws the error users see. */
#include <stdatomic.h>
#include <string.h>
#include "kernels.h"
#include "pool.h"

/* Work (elements) above which the outer rows are spread over the pool. */
#define PAR_MIN (1L << 16)

typedef struct {
  int width;
  const void *x, *upd;
  const int32_t *idx;
  void *y;
  long outer, n, m, inner, parts;
  atomic_int bad;
} along_t;

#define TAKE(T)                                                                   \
  do {                                                                            \
    const T *xs = x;                                                              \
    T *ys = y;                                                                    \
    if (inner == 1) { /* along the last axis (max pooling): one index per element */ \
      for (long o = o0; o < o1; o++) {                                            \
        const T *xr = xs + o * n;                                                 \
        const int32_t *ir = idx + o * m;                                          \
        T *yr = ys + o * m;                                                       \
        for (long k = 0; k < m; k++) {                                            \
          long j = ir[k];                                                         \
          if (j < 0) j += n;                                                      \
          if (j < 0 || j >= n) return 0;                                          \
          yr[k] = xr[j];                                                          \
        }                                                                         \
      }                                                                           \
      break;                                                                      \
    }                                                                             \
    for (long o = o0; o < o1; o++)                                                \
      for (long k = 0; k < m; k++)                                                \
        for (long i = 0; i < inner; i++) {                                        \
          const long p = (o * m + k) * inner + i;                                 \
          long j = idx[p];                                                        \
          if (j < 0) j += n;                                                      \
          if (j < 0 || j >= n) return 0;                                          \
          ys[p] = xs[(o * n + j) * inner + i];                                    \
        }                                                                         \
  } while (0)

static int take_rows(int width, const void *x, const int32_t *idx, void *y, long o0, long o1, long n, long m, long inner) {
  if (width == 1) TAKE(uint8_t);
  else if (width == 4) TAKE(uint32_t);
  else TAKE(uint64_t);
  return 1;
}

static void take_task(void *ctx, long t) {
  along_t *a = ctx;
  if (!take_rows(a->width, a->x, a->idx, a->y, a->outer * t / a->parts, a->outer * (t + 1) / a->parts, a->n, a->m, a->inner)) atomic_store(&a->bad, 1);
}

static long parts_for(long outer, long work) {
  const long threads = gn_in_parallel() ? 1 : gn_threads();
  return threads > 1 && outer >= threads && work >= PAR_MIN ? threads : 1;
}

int gn_take_along(int width, const void *x, const int32_t *idx, void *y, long outer, long n, long m, long inner) {
  along_t a = {.width = width, .x = x, .idx = idx, .y = y, .outer = outer, .n = n, .m = m, .inner = inner};
  a.parts = parts_for(outer, outer * m * inner);
  atomic_init(&a.bad, 0);
  if (a.parts == 1) return take_rows(width, x, idx, y, 0, outer, n, m, inner);
  gn_parallel(a.parts, take_task, &a);
  return !atomic_load(&a.bad);
}

#define SCATTER(T)                                                                \
  do {                                                                            \
    const T *us = upd;                                                            \
    T *ys = y;                                                                    \
    memset(ys + o0 * dim * inner, 0, (size_t)(o1 - o0) * dim * inner * sizeof(T)); \
    if (inner == 1) {                                                             \
      for (long o = o0; o < o1; o++) {                                            \
        const T *ur = us + o * m;                                                 \
        const int32_t *ir = idx + o * m;                                          \
        T *yr = ys + o * dim;                                                     \
        for (long k = 0; k < m; k++) {                                            \
          long j = ir[k];                                                         \
          if (j < 0) j += dim;                                                    \
          if (j < 0 || j >= dim) return 0;                                        \
          yr[j] += ur[k];                                                         \
        }                                                                         \
      }                                                                           \
      break;                                                                      \
    }                                                                             \
    for (long o = o0; o < o1; o++)                                                \
      for (long k = 0; k < m; k++)                                                \
        for (long i = 0; i < inner; i++) {                                        \
          const long p = (o * m + k) * inner + i;                                 \
          long j = idx[p];                                                        \
          if (j < 0) j += dim;                                                    \
          if (j < 0 || j >= dim) return 0;                                        \
          ys[(o * dim + j) * inner + i] += us[p];                                 \
        }                                                                         \
  } while (0)

static int scatter_rows(int dt, const int32_t *idx, const void *upd, void *y, long o0, long o1, long m, long dim, long inner) {
  if (dt == GN_F32) SCATTER(float);
  else SCATTER(double);
  return 1;
}

static void scatter_task(void *ctx, long t) {
  along_t *a = ctx;
  if (!scatter_rows(a->width, a->idx, a->upd, a->y, a->outer * t / a->parts, a->outer * (t + 1) / a->parts, a->m, a->n, a->inner)) atomic_store(&a->bad, 1);
}

/* Rows of the output are disjoint per outer index, so splitting over outer needs no locks. */
int gn_scatter_add_along(int dt, const int32_t *idx, const void *upd, void *y, long outer, long m, long dim, long inner) {
  along_t a = {.width = dt, .upd = upd, .idx = idx, .y = y, .outer = outer, .n = dim, .m = m, .inner = inner};
  a.parts = parts_for(outer, outer * (m + dim) * inner);
  atomic_init(&a.bad, 0);
  if (a.parts == 1) return scatter_rows(dt, idx, upd, y, 0, outer, m, dim, inner);
  gn_parallel(a.parts, scatter_task, &a);
  return !atomic_load(&a.bad);
}
