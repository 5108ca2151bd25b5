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

#if defined(__SSE2__)
#include <emmintrin.h>
/* 2x2 windows with stride 2 and no dilation (the usual pooling), float32, four windows at a time: the
 * two rows' even and odd columns are the four taps, in SCAN's order, with its first-maximum and NaN
 * rule (a tap wins when larger, or when NaN while the best is not). */
#define TAKE(V, OFF)                                                                                        \
  do {                                                                                                      \
    const __m128 t_ = _mm_or_ps(_mm_cmpgt_ps(V, best), _mm_andnot_ps(_mm_cmpunord_ps(best, best), _mm_cmpunord_ps(V, V))); \
    best = _mm_or_ps(_mm_and_ps(t_, V), _mm_andnot_ps(t_, best));                                          \
    off = _mm_or_si128(_mm_and_si128(_mm_castps_si128(t_), OFF), _mm_andnot_si128(_mm_castps_si128(t_), off)); \
  } while (0)

static int planes_2x2(mp_t *m, long p0, long p1) {
  if (m->dt != GN_F32 || m->kh != 2 || m->kw != 2 || m->sh != 2 || m->sw != 2 || m->dh != 1 || m->dw != 1) return 0;
  const long h = m->h, w = m->w, oh = m->oh, ow = m->ow;
  int32_t *y = m->y + p0 * oh * ow;
  const __m128i right = _mm_set1_epi32(1), below = _mm_set1_epi32((int)w), diag = _mm_set1_epi32((int)w + 1);
  const __m128i cols = _mm_setr_epi32(0, 2, 4, 6);
  for (long plane = p0; plane < p1; plane++) {
    const float *x = (const float *)m->x + plane * h * w;
    for (long i = 0; i < oh; i++, y += ow) {
      const float *r0 = x + 2 * i * w, *r1 = r0 + w;
      long j = 0;
      for (; j + 4 <= ow; j += 4) {
        const __m128 a0 = _mm_loadu_ps(r0 + 2 * j), a1 = _mm_loadu_ps(r0 + 2 * j + 4);
        const __m128 b0 = _mm_loadu_ps(r1 + 2 * j), b1 = _mm_loadu_ps(r1 + 2 * j + 4);
        const __m128 tr = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1));
        const __m128 bl = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0));
        const __m128 br = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));
        __m128 best = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0));
        __m128i off = _mm_setzero_si128();
        TAKE(tr, right);
        TAKE(bl, below);
        TAKE(br, diag);
        const __m128i at = _mm_add_epi32(_mm_set1_epi32((int)(2 * i * w + 2 * j)), _mm_add_epi32(cols, off));
        _mm_storeu_si128((__m128i *)(y + j), at);
      }
      for (; j < ow; j++) {
        const float taps[4] = {r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
        const int32_t offs[4] = {0, 1, (int32_t)w, (int32_t)w + 1};
        float bv = taps[0];
        int32_t bo = 0;
        for (int t = 1; t < 4; t++)
          if (taps[t] > bv || (taps[t] != taps[t] && bv == bv)) {
            bv = taps[t];
            bo = offs[t];
          }
        y[j] = (int32_t)(2 * i * w + 2 * j) + bo;
      }
    }
  }
  return 1;
}
#else
static int planes_2x2(mp_t *m, long p0, long p1) { return 0; }
#endif

static void planes(mp_t *m, long p0, long p1) {
  if (planes_2x2(m, p0, p1)) return;
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
