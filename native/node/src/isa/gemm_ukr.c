/* GEMM micro-kernels: C[mr x nr] (=|+=) A_panel B_panel, where the packed A panel holds MR rows
 * k-major (a[p MR + r]) and the packed B panel NR columns k-major (b[p NR + c]); panels are padded
 * with zeros, so the kernel always computes the full MR x NR tile in registers and clips only when
 * storing. Per instruction set:
 *   AVX-512: float32 12 x 32 and float64 12 x 16 (24 zmm accumulators, B in 2 registers, A broadcast);
 *   AVX2+FMA: float32 6 x 16 and float64 6 x 8 (12 ymm accumulators);
 *   generic C: 4 x 16 and 4 x 8 plain loops for the compiler to vectorise. */
#include <string.h>
#include "isa.h"
#include "tiles.h"
#include "vmath.h"
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)

static void ukr_f32(long kc, const float *a, const float *b, float *c, long ldc, int acc, int mr, int nr) {
  __m512 c0[MR32], c1[MR32];
#pragma GCC unroll 12
  for (int r = 0; r < MR32; r++) c0[r] = c1[r] = _mm512_setzero_ps();
  for (long p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
    for (int r = 0; r < MR32; r++) {
      const __m512 ar = _mm512_set1_ps(a[r]);
      c0[r] = _mm512_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(ar, b1, c1[r]);
    }
    a += MR32;
    b += NR32;
  }
  const __mmask16 k0 = nr >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nr) - 1);
  const __mmask16 k1 = nr >= 32 ? (__mmask16)0xffff : nr <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nr - 16)) - 1);
  if (mr == MR32 && nr == NR32) {
#pragma GCC unroll 12
    for (int r = 0; r < MR32; r++) {
      float *cr = c + r * ldc;
      if (acc) {
        c0[r] = _mm512_add_ps(c0[r], _mm512_loadu_ps(cr));
        c1[r] = _mm512_add_ps(c1[r], _mm512_loadu_ps(cr + 16));
      }
      _mm512_storeu_ps(cr, c0[r]);
      _mm512_storeu_ps(cr + 16, c1[r]);
    }
    return;
  }
#pragma GCC unroll 12
  for (int r = 0; r < MR32; r++) {
    if (r >= mr) break;
    float *cr = c + r * ldc;
    if (acc) {
      c0[r] = _mm512_add_ps(c0[r], _mm512_maskz_loadu_ps(k0, cr));
      c1[r] = _mm512_add_ps(c1[r], _mm512_maskz_loadu_ps(k1, cr + 16));
    }
    _mm512_mask_storeu_ps(cr, k0, c0[r]);
    _mm512_mask_storeu_ps(cr + 16, k1, c1[r]);
  }
}

static void ukr_f64(long kc, const double *a, const double *b, double *c, long ldc, int acc, int mr, int nr) {
  __m512d c0[MR64], c1[MR64];
#pragma GCC unroll 12
  for (int r = 0; r < MR64; r++) c0[r] = c1[r] = _mm512_setzero_pd();
  for (long p = 0; p < kc; p++) {
    const __m512d b0 = _mm512_loadu_pd(b), b1 = _mm512_loadu_pd(b + 8);
#pragma GCC unroll 12
    for (int r = 0; r < MR64; r++) {
      const __m512d ar = _mm512_set1_pd(a[r]);
      c0[r] = _mm512_fmadd_pd(ar, b0, c0[r]);
      c1[r] = _mm512_fmadd_pd(ar, b1, c1[r]);
    }
    a += MR64;
    b += NR64;
  }
  const __mmask8 k0 = nr >= 8 ? (__mmask8)0xff : (__mmask8)((1u << nr) - 1);
  const __mmask8 k1 = nr >= 16 ? (__mmask8)0xff : nr <= 8 ? (__mmask8)0 : (__mmask8)((1u << (nr - 8)) - 1);
#pragma GCC unroll 12
  for (int r = 0; r < MR64; r++) {
    if (r >= mr) break;
    double *cr = c + r * ldc;
    if (acc) {
      c0[r] = _mm512_add_pd(c0[r], _mm512_maskz_loadu_pd(k0, cr));
      c1[r] = _mm512_add_pd(c1[r], _mm512_maskz_loadu_pd(k1, cr + 8));
    }
    _mm512_mask_storeu_pd(cr, k0, c0[r]);
    _mm512_mask_storeu_pd(cr + 8, k1, c1[r]);
  }
}

#elif defined(__AVX2__)

/* Stores a register tile through a scratch tile when it is clipped. */
#define STORE_TILE(T, MR, NR, VEC, LANES, LOAD, STORE, ADD)                          \
  if (mr == MR && nr == NR) {                                                        \
    for (int r = 0; r < MR; r++) {                                                   \
      T *cr = c + r * ldc;                                                           \
      if (acc) {                                                                     \
        c0[r] = ADD(c0[r], LOAD(cr));                                                \
        c1[r] = ADD(c1[r], LOAD(cr + LANES));                                        \
      }                                                                              \
      STORE(cr, c0[r]);                                                              \
      STORE(cr + LANES, c1[r]);                                                      \
    }                                                                                \
    return;                                                                          \
  }                                                                                  \
  T tile[MR * NR];                                                                   \
  for (int r = 0; r < MR; r++) {                                                     \
    STORE(tile + r * NR, c0[r]);                                                     \
    STORE(tile + r * NR + LANES, c1[r]);                                             \
  }                                                                                  \
  for (int r = 0; r < mr; r++)                                                       \
    for (int j = 0; j < nr; j++) c[r * ldc + j] = acc ? c[r * ldc + j] + tile[r * NR + j] : tile[r * NR + j];

static void ukr_f32(long kc, const float *a, const float *b, float *c, long ldc, int acc, int mr, int nr) {
  __m256 c0[MR32], c1[MR32];
#pragma GCC unroll 6
  for (int r = 0; r < MR32; r++) c0[r] = c1[r] = _mm256_setzero_ps();
  for (long p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR32; r++) {
      const __m256 ar = _mm256_broadcast_ss(a + r);
      c0[r] = _mm256_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(ar, b1, c1[r]);
    }
    a += MR32;
    b += NR32;
  }
  STORE_TILE(float, MR32, NR32, __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_add_ps)
}

static void ukr_f64(long kc, const double *a, const double *b, double *c, long ldc, int acc, int mr, int nr) {
  __m256d c0[MR64], c1[MR64];
#pragma GCC unroll 6
  for (int r = 0; r < MR64; r++) c0[r] = c1[r] = _mm256_setzero_pd();
  for (long p = 0; p < kc; p++) {
    const __m256d b0 = _mm256_loadu_pd(b), b1 = _mm256_loadu_pd(b + 4);
#pragma GCC unroll 6
    for (int r = 0; r < MR64; r++) {
      const __m256d ar = _mm256_broadcast_sd(a + r);
      c0[r] = _mm256_fmadd_pd(ar, b0, c0[r]);
      c1[r] = _mm256_fmadd_pd(ar, b1, c1[r]);
    }
    a += MR64;
    b += NR64;
  }
  STORE_TILE(double, MR64, NR64, __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_add_pd)
}

#else

#define DEFINE_GENERIC_UKR(NAME, T, MR, NR)                                                   \
  static void NAME(long kc, const T *a, const T *b, T *c, long ldc, int acc, int mr, int nr) { \
    T t[MR][NR];                                                                              \
    memset(t, 0, sizeof t);                                                                   \
    for (long p = 0; p < kc; p++) {                                                           \
      for (int r = 0; r < MR; r++) {                                                          \
        const T ar = a[r];                                                                    \
        for (int j = 0; j < NR; j++) t[r][j] += ar * b[j];                                    \
      }                                                                                       \
      a += MR;                                                                                \
      b += NR;                                                                                \
    }                                                                                         \
    for (int r = 0; r < mr; r++)                                                              \
      for (int j = 0; j < nr; j++) c[r * ldc + j] = acc ? c[r * ldc + j] + t[r][j] : t[r][j]; \
  }
DEFINE_GENERIC_UKR(ukr_f32, float, MR32, NR32)
DEFINE_GENERIC_UKR(ukr_f64, double, MR64, NR64)

#endif

/* Small products without packing: C's columns in chunks of one vector register, four rows of A at a
 * time, so each row's sums stay in registers over all of k (four independent chains hide the
 * multiply-add latency) and each load of B serves four rows. Each element sums over p in order. */
typedef double gn_vd __attribute__((vector_size(GN_VBYTES), aligned(8), may_alias));
#define DEFINE_SMALL(NAME, T, V)                                                                               \
  static void NAME(long m, long n, long k, const T *restrict a, long lda, const T *restrict b, long ldb,       \
                   T *restrict c, long ldc) {                                                                 \
    enum { L = sizeof(V) / sizeof(T) };                                                                       \
    long j = 0;                                                                                               \
    for (; j + L <= n; j += L) {                                                                              \
      long i = 0;                                                                                             \
      for (; i + 4 <= m; i += 4) {                                                                            \
        const T *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;                           \
        V s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, y;                                                          \
        for (long p = 0; p < k; p++) {                                                                        \
          memcpy(&y, b + p * ldb + j, sizeof y);                                                              \
          s0 += a0[p] * y;                                                                                    \
          s1 += a1[p] * y;                                                                                    \
          s2 += a2[p] * y;                                                                                    \
          s3 += a3[p] * y;                                                                                    \
        }                                                                                                     \
        memcpy(c + i * ldc + j, &s0, sizeof s0);                                                              \
        memcpy(c + (i + 1) * ldc + j, &s1, sizeof s1);                                                        \
        memcpy(c + (i + 2) * ldc + j, &s2, sizeof s2);                                                        \
        memcpy(c + (i + 3) * ldc + j, &s3, sizeof s3);                                                        \
      }                                                                                                       \
      for (; i < m; i++) {                                                                                    \
        const T *ai = a + i * lda;                                                                            \
        V s0 = {0}, y;                                                                                        \
        for (long p = 0; p < k; p++) {                                                                        \
          memcpy(&y, b + p * ldb + j, sizeof y);                                                              \
          s0 += ai[p] * y;                                                                                    \
        }                                                                                                     \
        memcpy(c + i * ldc + j, &s0, sizeof s0);                                                              \
      }                                                                                                       \
    }                                                                                                         \
    for (; j < n; j++) /* columns left over after the last full register */                                  \
      for (long i = 0; i < m; i++) {                                                                          \
        T s = 0;                                                                                              \
        for (long p = 0; p < k; p++) s += a[i * lda + p] * b[p * ldb + j];                                    \
        c[i * ldc + j] = s;                                                                                   \
      }                                                                                                       \
  }
DEFINE_SMALL(small_f32, float, gn_vf)
DEFINE_SMALL(small_f64, double, gn_vd)

/* Dot products on vector registers (as wide as this build's instruction set), two rows of B at a
 * time so that each load of A serves two products, with two partial sums each to hide the add
 * latency; the lanes are added once per product. */
#define DEFINE_DOTS(NAME, T, V)                                                                                \
  static void NAME(long m, long n, long k, const T *restrict a, long lda, const T *restrict b, long ldb,        \
                   T *restrict c, long ldc, int accumulate) {                                                  \
    enum { L = sizeof(V) / sizeof(T) };                                                                        \
    const long k2 = k / (2 * L) * (2 * L), k1 = k / L * L;                                                     \
    for (long i = 0; i < m; i++) {                                                                             \
      const T *ai = a + i * lda;                                                                               \
      for (long j = 0; j < n; j += 2) {                                                                        \
        const int two = j + 1 < n;                                                                             \
        const T *b0 = b + j * ldb, *b1 = two ? b0 + ldb : b0;                                                  \
        V s00 = {0}, s01 = {0}, s10 = {0}, s11 = {0}, x, y0, y1;                                               \
        long p = 0;                                                                                            \
        for (; p < k2; p += 2 * L) {                                                                           \
          memcpy(&x, ai + p, sizeof x);                                                                        \
          memcpy(&y0, b0 + p, sizeof y0);                                                                      \
          memcpy(&y1, b1 + p, sizeof y1);                                                                      \
          s00 += x * y0;                                                                                       \
          s10 += x * y1;                                                                                       \
          memcpy(&x, ai + p + L, sizeof x);                                                                    \
          memcpy(&y0, b0 + p + L, sizeof y0);                                                                  \
          memcpy(&y1, b1 + p + L, sizeof y1);                                                                  \
          s01 += x * y0;                                                                                       \
          s11 += x * y1;                                                                                       \
        }                                                                                                      \
        for (; p < k1; p += L) {                                                                               \
          memcpy(&x, ai + p, sizeof x);                                                                        \
          memcpy(&y0, b0 + p, sizeof y0);                                                                      \
          memcpy(&y1, b1 + p, sizeof y1);                                                                      \
          s00 += x * y0;                                                                                       \
          s10 += x * y1;                                                                                       \
        }                                                                                                      \
        s00 += s01;                                                                                            \
        s10 += s11;                                                                                            \
        T h0[L], h1[L];                                                                                        \
        memcpy(h0, &s00, sizeof h0);                                                                           \
        memcpy(h1, &s10, sizeof h1);                                                                           \
        for (int w = L / 2; w >= 1; w /= 2) /* a tree, not a chain of L dependent adds */                      \
          for (int l = 0; l < w; l++) {                                                                        \
            h0[l] += h0[l + w];                                                                                \
            h1[l] += h1[l + w];                                                                                \
          }                                                                                                    \
        T r0 = h0[0], r1 = h1[0];                                                                              \
        for (; p < k; p++) {                                                                                   \
          r0 += ai[p] * b0[p];                                                                                 \
          r1 += ai[p] * b1[p];                                                                                 \
        }                                                                                                      \
        c[i * ldc + j] = accumulate ? c[i * ldc + j] + r0 : r0;                                                \
        if (two) c[i * ldc + j + 1] = accumulate ? c[i * ldc + j + 1] + r1 : r1;                               \
      }                                                                                                        \
    }                                                                                                          \
  }
DEFINE_DOTS(dots_f32, float, gn_vf)
DEFINE_DOTS(dots_f64, double, gn_vd)

/* y[i] (=|+=) A[i, :] . x with rows of A contiguous, one row at a time: vector partial sums over
 * the row, its tail loaded as a whole vector and masked to zero beyond the row (the load stays inside
 * A; the last rows copy their tail instead), then the lanes added as a tree. Short rows (W4's X w,
 * k = 30) cost a few vector steps each, with no scalar stores reloaded as a vector. */
#define DEFINE_GEMV(NAME, T, V, VI, HSUM)                                                                          \
  static void NAME(long m, long k, const T *restrict a, long lda, const T *restrict x, T *restrict y, long incy, \
                   int accumulate) {                                                                           \
    enum { L = sizeof(V) / sizeof(T) };                                                                        \
    const long kv = k / L * L, k2 = k / (2 * L) * (2 * L), t = k - kv;                                         \
    T xt[L], keep[L];                                                                                          \
    for (int l = 0; l < L; l++) {                                                                              \
      xt[l] = l < t ? x[kv + l] : 0;                                                                           \
      memset(&keep[l], l < t ? 0xff : 0, sizeof(T));                                                           \
    }                                                                                                          \
    V xtail, u, v;                                                                                             \
    VI mask;                                                                                                   \
    memcpy(&xtail, xt, sizeof xtail);                                                                          \
    memcpy(&mask, keep, sizeof mask);                                                                          \
    const long end = (m - 1) * lda + k; /* elements of A from a */                                             \
    for (long i = 0; i < m; i++) {                                                                             \
      const T *ai = a + i * lda;                                                                               \
      V s0 = {0}, s1 = {0};                                                                                    \
      long p = 0;                                                                                              \
      for (; p < k2; p += 2 * L) {                                                                             \
        memcpy(&u, ai + p, sizeof u);                                                                          \
        memcpy(&v, x + p, sizeof v);                                                                           \
        s0 += u * v;                                                                                           \
        memcpy(&u, ai + p + L, sizeof u);                                                                      \
        memcpy(&v, x + p + L, sizeof v);                                                                       \
        s1 += u * v;                                                                                           \
      }                                                                                                        \
      for (; p < kv; p += L) {                                                                                 \
        memcpy(&u, ai + p, sizeof u);                                                                          \
        memcpy(&v, x + p, sizeof v);                                                                           \
        s0 += u * v;                                                                                           \
      }                                                                                                        \
      if (t > 0) {                                                                                             \
        if (i * lda + kv + L <= end) memcpy(&u, ai + kv, sizeof u);                                            \
        else {                                                                                                 \
          T tail[L] = {0};                                                                                     \
          memcpy(tail, ai + kv, (size_t)t * sizeof(T));                                                        \
          memcpy(&u, tail, sizeof u);                                                                          \
        }                                                                                                      \
        u = (V)((VI)u & mask); /* lanes past the row may hold anything, infinities included */                \
        s1 += u * xtail;                                                                                       \
      }                                                                                                        \
      const T r = HSUM(s0 + s1);                                                                               \
      y[i * incy] = accumulate ? y[i * incy] + r : r;                                                          \
    }                                                                                                          \
  }
typedef int64_t gn_vl __attribute__((vector_size(GN_VBYTES), aligned(8), may_alias));
/* The lanes of a vector added as a tree, in registers (through memory, scalar stores reloaded as
 * vectors stall the store forwarding). */
#if defined(__AVX512F__)
static inline float hsum_f32(gn_vf v) { return _mm512_reduce_add_ps((__m512)v); }
static inline double hsum_f64(gn_vd v) { return _mm512_reduce_add_pd((__m512d)v); }
#elif defined(__AVX__)
static inline float hsum_f32(gn_vf v) {
  __m128 q = _mm_add_ps(_mm256_castps256_ps128((__m256)v), _mm256_extractf128_ps((__m256)v, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  return _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)));
}
static inline double hsum_f64(gn_vd v) {
  __m128d q = _mm_add_pd(_mm256_castpd256_pd128((__m256d)v), _mm256_extractf128_pd((__m256d)v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));
}
#else
static inline float hsum_f32(gn_vf v) { return (v[0] + v[2]) + (v[1] + v[3]); }
static inline double hsum_f64(gn_vd v) { return v[0] + v[1]; }
#endif
DEFINE_GEMV(gemv_f32, float, gn_vf, gn_vi, hsum_f32)
DEFINE_GEMV(gemv_f64, double, gn_vd, gn_vl, hsum_f64)

void GN_FN(gn_gemv_f32)(long m, long k, const float *a, long lda, const float *x, float *y, long incy, int acc) { gemv_f32(m, k, a, lda, x, y, incy, acc); }
void GN_FN(gn_gemv_f64)(long m, long k, const double *a, long lda, const double *x, double *y, long incy, int acc) { gemv_f64(m, k, a, lda, x, y, incy, acc); }
void GN_FN(gn_dots_f32)(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc, int acc) { dots_f32(m, n, k, a, lda, b, ldb, c, ldc, acc); }
void GN_FN(gn_dots_f64)(long m, long n, long k, const double *a, long lda, const double *b, long ldb, double *c, long ldc, int acc) { dots_f64(m, n, k, a, lda, b, ldb, c, ldc, acc); }

void GN_FN(gn_small_f32)(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc) { small_f32(m, n, k, a, lda, b, ldb, c, ldc); }
void GN_FN(gn_small_f64)(long m, long n, long k, const double *a, long lda, const double *b, long ldb, double *c, long ldc) { small_f64(m, n, k, a, lda, b, ldb, c, ldc); }

void GN_FN(gn_ukr_f32)(long kc, const float *a, const float *b, float *c, long ldc, int acc, int mr, int nr) { ukr_f32(kc, a, b, c, ldc, acc, mr, nr); }
void GN_FN(gn_ukr_f64)(long kc, const double *a, const double *b, double *c, long ldc, int acc, int mr, int nr) { ukr_f64(kc, a, b, c, ldc, acc, mr, nr); }
