/* The window argmax behind max pooling: for every window, the index (within its plane) of the first
 * largest element in row-major order; a NaN wins at once, as in argmax. Planes are spread over the
 * pool when there is enough work. */
#include "kernels.h"
#include "pool.h"

typedef struct {
  int dt;
  const void *x;
  int32_t *y;
  long h, w, oh, ow, kh, kw, sh, sw, dh, dw, planes, parts;
} mp_t;

#define SCAN(T)                                                                                   \
  do {                                                                                            \
    const T *x = (const T *)m->x + plane * m->h * m->w;                                           \
    for (long i = 0; i < m->oh; i++)                                                              \
      for (long j = 0; j < m->ow; j++) {                                                          \
        long best = -1;                                                                           \
        T bv = 0;                                                                                 \
        for (long a = 0; a < m->kh && !(best >= 0 && bv != bv); a++)                              \
          for (long b = 0; b < m->kw; b++) {                                                      \
            const long at = (i * m->sh + a * m->dh) * m->w + j * m->sw + b * m->dw;               \
            const T v = x[at];                                                                    \
            if (best < 0 || v > bv || v != v) {                                                   \
              best = at;                                                                          \
              bv = v;                                                                             \
              if (v != v) break;                                                                  \
            }                                                                                     \
          }                                                                                       \
        *y++ = (int32_t)best;                                                                     \
      }                                                                                           \
  } while (0)

static void planes(mp_t *m, long p0, long p1) {
  int32_t *y = m->y + p0 * m->oh * m->ow;
  for (long plane = p0; plane < p1; plane++) {
    if (m->dt == GN_F32) SCAN(float);
    else SCAN(double);
  }
}

static void task(void *ctx, long t) {
  mp_t *m = ctx;
  planes(m, m->planes * t / m->parts, m->planes * (t + 1) / m->parts);
}

void gn_maxpool_argmax(int dt, const void *x, int32_t *y, long np, long h, long w, long oh, long ow, long kh, long kw, long sh, long sw, long dh, long dw) {
  mp_t m = {dt, x, y, h, w, oh, ow, kh, kw, sh, sw, dh, dw, np, 1};
  const int threads = gn_in_parallel() ? 1 : gn_threads();
  if (threads > 1 && np >= threads && np * oh * ow * kh * kw >= (1L << 17)) m.parts = threads;
  if (m.parts == 1) planes(&m, 0, np);
  else gn_parallel(m.parts, task, &m);
}
