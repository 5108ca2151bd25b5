/* Reductions of x seen as [outer, red, inner] into y [outer, inner]. Sums and products of float32
 * accumulate in double (as the reference backend's JavaScript numbers do) in 16 independent lanes,
 * which the compiler vectorises; max/min keep NaN once they meet it: `v > acc || v != v`. An empty
 * reduction gives the identity (0, 1, -Infinity, +Infinity). */
#include "isa.h"
#include "vmath.h"

#define LANES 16
#define CHUNK 256

GN_INLINE double comb_d(int op, double acc, double v) { return op == R_SUM ? acc + v : acc * v; }

#define DEFINE_REDUCE(T)                                                                           \
  void GN_FN(gn_reduce_##T)(int op, const T *x, T *y, long outer, long red, long inner) {          \
    const int mm = op == R_MAX || op == R_MIN;                                                     \
    const T init = op == R_SUM ? (T)0 : op == R_PROD ? (T)1 : op == R_MAX ? -(T)__builtin_inf() : (T)__builtin_inf(); \
    if (inner == 1) {                                                                              \
      for (long o = 0; o < outer; o++) {                                                           \
        const T *row = x + o * red;                                                                \
        long i = 0;                                                                                \
        if (!mm) {                                                                                 \
          double acc[LANES];                                                                       \
          for (int l = 0; l < LANES; l++) acc[l] = (double)init;                                   \
          if (op == R_SUM)                                                                         \
            for (; i + LANES <= red; i += LANES)                                                   \
              for (int l = 0; l < LANES; l++) acc[l] += (double)row[i + l];                        \
          else                                                                                     \
            for (; i + LANES <= red; i += LANES)                                                   \
              for (int l = 0; l < LANES; l++) acc[l] *= (double)row[i + l];                        \
          for (int w = LANES / 2; w >= 1; w /= 2)                                                  \
            for (int l = 0; l < w; l++) acc[l] = comb_d(op, acc[l], acc[l + w]);                   \
          double r = acc[0];                                                                       \
          for (; i < red; i++) r = comb_d(op, r, (double)row[i]);                                  \
          y[o] = (T)r;                                                                             \
        } else {                                                                                   \
          T acc[LANES];                                                                            \
          for (int l = 0; l < LANES; l++) acc[l] = init;                                           \
          if (op == R_MAX)                                                                         \
            for (; i + LANES <= red; i += LANES)                                                   \
              for (int l = 0; l < LANES; l++) {                                                    \
                T v = row[i + l];                                                                  \
                acc[l] = (v > acc[l] || v != v) ? v : acc[l];                                      \
              }                                                                                    \
          else                                                                                     \
            for (; i + LANES <= red; i += LANES)                                                   \
              for (int l = 0; l < LANES; l++) {                                                    \
                T v = row[i + l];                                                                  \
                acc[l] = (v < acc[l] || v != v) ? v : acc[l];                                      \
              }                                                                                    \
          T r = init;                                                                              \
          for (int l = 0; l < LANES; l++) {                                                        \
            T v = acc[l];                                                                          \
            r = (op == R_MAX ? v > r : v < r) || v != v ? v : r;                                   \
          }                                                                                        \
          for (; i < red; i++) {                                                                   \
            T v = row[i];                                                                          \
            r = (op == R_MAX ? v > r : v < r) || v != v ? v : r;                                   \
          }                                                                                        \
          y[o] = r;                                                                                \
        }                                                                                          \
      }                                                                                            \
      return;                                                                                      \
    }                                                                                              \
    for (long o = 0; o < outer; o++) {                                                             \
      const T *base = x + o * red * inner;                                                         \
      T *out = y + o * inner;                                                                      \
      for (long j0 = 0; j0 < inner; j0 += CHUNK) {                                                 \
        const long w = inner - j0 < CHUNK ? inner - j0 : CHUNK;                                    \
        if (!mm) {                                                                                 \
          double acc[CHUNK];                                                                       \
          for (long j = 0; j < w; j++) acc[j] = (double)init;                                      \
          for (long r = 0; r < red; r++) {                                                         \
            const T *src = base + r * inner + j0;                                                  \
            if (op == R_SUM)                                                                       \
              for (long j = 0; j < w; j++) acc[j] += (double)src[j];                               \
            else                                                                                   \
              for (long j = 0; j < w; j++) acc[j] *= (double)src[j];                               \
          }                                                                                        \
          for (long j = 0; j < w; j++) out[j0 + j] = (T)acc[j];                                    \
        } else {                                                                                   \
          T *acc = out + j0;                                                                       \
          for (long j = 0; j < w; j++) acc[j] = init;                                              \
          for (long r = 0; r < red; r++) {                                                         \
            const T *src = base + r * inner + j0;                                                  \
            if (op == R_MAX)                                                                       \
              for (long j = 0; j < w; j++) {                                                       \
                T v = src[j];                                                                      \
                acc[j] = (v > acc[j] || v != v) ? v : acc[j];                                      \
              }                                                                                    \
            else                                                                                   \
              for (long j = 0; j < w; j++) {                                                       \
                T v = src[j];                                                                      \
                acc[j] = (v < acc[j] || v != v) ? v : acc[j];                                      \
              }                                                                                    \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
  }
DEFINE_REDUCE(float)
DEFINE_REDUCE(double)

/* a.a, b.b and a.b of n elements in one pass (a training trace records all three each step, where
 * three dot products read each array twice more). Vector partial sums over blocks of 1024 elements,
 * two per quantity to hide the add latency; each block's sums are added in double, so a long vector
 * keeps the accuracy of a double sum of block sums. */
#define DEFINE_DOTS3(T, V)                                                                                   \
  void GN_FN(gn_dots3_##T)(const T *restrict a, const T *restrict b, long n, double *out) {                  \
    enum { L = sizeof(V) / sizeof(T), BLOCK = 1024 };                                                        \
    double aa = 0, bb = 0, ab = 0;                                                                           \
    long i = 0;                                                                                              \
    while (i < n) {                                                                                          \
      const long end = n - i < BLOCK ? n : i + BLOCK;                                                        \
      V saa0 = {0}, saa1 = {0}, sbb0 = {0}, sbb1 = {0}, sab0 = {0}, sab1 = {0};                              \
      for (; i + 2 * L <= end; i += 2 * L) {                                                                 \
        const V x0 = *(const V *)(a + i), x1 = *(const V *)(a + i + L);                                      \
        const V y0 = *(const V *)(b + i), y1 = *(const V *)(b + i + L);                                      \
        saa0 += x0 * x0;                                                                                     \
        saa1 += x1 * x1;                                                                                     \
        sbb0 += y0 * y0;                                                                                     \
        sbb1 += y1 * y1;                                                                                     \
        sab0 += x0 * y0;                                                                                     \
        sab1 += x1 * y1;                                                                                     \
      }                                                                                                      \
      const V saa = saa0 + saa1, sbb = sbb0 + sbb1, sab = sab0 + sab1;                                       \
      for (int l = 0; l < L; l++) {                                                                          \
        aa += saa[l];                                                                                        \
        bb += sbb[l];                                                                                        \
        ab += sab[l];                                                                                        \
      }                                                                                                      \
      for (; i < end; i++) {                                                                                 \
        aa += (double)a[i] * a[i];                                                                           \
        bb += (double)b[i] * b[i];                                                                           \
        ab += (double)a[i] * b[i];                                                                           \
      }                                                                                                      \
    }                                                                                                        \
    out[0] = aa;                                                                                             \
    out[1] = bb;                                                                                             \
    out[2] = ab;                                                                                             \
  }
DEFINE_DOTS3(float, gn_vf)
DEFINE_DOTS3(double, gn_vd)
