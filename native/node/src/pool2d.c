/* The window argmax behind max pooling: for every window, the index (within its plane) of the first
 * largest element in row-major order; the first NaN wins, as in argmax. Planes are spread over the
 * pool when there is enough work. */
#include <string.h>
#include "kernels.h"
#include "pool.h"

typedef struct {
  int dt;
  const void *x;
  int32_t *y;
  long h, w, oh, ow, kh, kw, sh, sw, dh, dw, planes, parts;
} mp_t;

/* Windows are scanned side by side, a block of output columns at a time, tap by tap (rows of the
 * window outer, columns inner, as the first-maximum rule needs): the windows' updates are independent,
 * so they overlap instead of forming one long chain, and random data costs no mispredicted branches.
 * A tap replaces the best when it is larger, or when it is NaN and the best is not yet NaN (so the
 * first NaN stays). */
#define BLOCK 256
#define SCAN(T)                                                                                   \
  do {                                                                                            \
    const T *x = (const T *)m->x + plane * h * w;                                                 \
    T bv[BLOCK];                                                                                  \
    int32_t bi[BLOCK];                                                                            \
    for (long i = 0; i < oh; i++)                                                                 \
      for (long j0 = 0; j0 < ow; j0 += BLOCK) {                                                   \
        const long jn = ow - j0 < BLOCK ? ow - j0 : BLOCK;                                        \
        const long row = i * sh * w + j0 * sw;                                                    \
        for (long j = 0; j < jn; j++) {                                                           \
          bi[j] = (int32_t)(row + j * sw);                                                        \
          bv[j] = x[row + j * sw];                                                                \
        }                                                                                         \
        for (long a = 0; a < kh; a++)                                                             \
          for (long b = 0; b < kw; b++) {                                                         \
            if (a == 0 && b == 0) continue;                                                       \
            const long off = row + a * dh * w + b * dw;                                           \
            const T *xs = x + off;                                                                \
            for (long j = 0; j < jn; j++) {                                                       \
              const T v = xs[j * sw];                                                             \
              const int take = (v > bv[j]) | ((v != v) & (bv[j] == bv[j]));                      \
              bi[j] = take ? (int32_t)(off + j * sw) : bi[j];                                     \
              bv[j] = take ? v : bv[j];                                                           \
            }                                                                                     \
          }                                                                                       \
        memcpy(y, bi, (size_t)jn * sizeof(int32_t));                                              \
        y += jn;                                                                                  \
      }                                                                                           \
  } while (0)

static void planes(mp_t *m, long p0, long p1) {
  const long h = m->h, w = m->w, oh = m->oh, ow = m->ow, kh = m->kh, kw = m->kw, sh = m->sh, sw = m->sw, dh = m->dh, dw = m->dw;
  int32_t *y = m->y + p0 * oh * ow;
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
