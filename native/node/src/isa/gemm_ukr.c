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

/* Stores a register tile through a scratch tile when it is clipped. Every loop over the tile's
 * registers is unrolled: one left rolled indexes c0/c1 at run time, which keeps the accumulators in
 * memory, and GCC then stored all twelve to the stack on every step of k (AVX2 GEMM at a third of
 * its speed). */
#define STORE_TILE(T, MR, NR, VEC, LANES, LOAD, STORE, ADD)                          \
  if (mr == MR && nr == NR) {                                                        \
    _Pragma("GCC unroll 8") for (int r = 0; r < MR; r++) {                           \
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
  _Pragma("GCC unroll 8") for (int r = 0; r < MR; r++) {                             \
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

/* c + a b as one fused multiply-add where the instruction set has it (this file is compiled with
 * -ffp-contract=off, so the compiler never fuses on its own): the small, dot and matrix-vector
 * products round once per term, like the packed GEMM's micro-kernels. */
#if defined(__AVX512F__)
static inline gn_vf fma_f32(gn_vf a, gn_vf b, gn_vf c) { return (gn_vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c); }
static inline gn_vd fma_f64(gn_vd a, gn_vd b, gn_vd c) { return (gn_vd)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c); }
#elif defined(__FMA__)
static inline gn_vf fma_f32(gn_vf a, gn_vf b, gn_vf c) { return (gn_vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c); }
static inline gn_vd fma_f64(gn_vd a, gn_vd b, gn_vd c) { return (gn_vd)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c); }
#else
static inline gn_vf fma_f32(gn_vf a, gn_vf b, gn_vf c) { return c + a * b; }
static inline gn_vd fma_f64(gn_vd a, gn_vd b, gn_vd c) { return c + a * b; }
#endif

/* Small products without packing: C's columns in chunks of one vector register, four rows of A at a
 * time, so each row's sums stay in registers over all of k (four independent chains hide the
 * multiply-add latency) and each load of B serves four rows. Each element sums over p in order. The
 * last chunk, when n is not a multiple of the register, loads B's row whole and masks the lanes past
 * n to zero (copying where a whole load would leave B), and stores only its lanes. */
#define DEFINE_SMALL(NAME, T, V, VI, FMA)                                                                      \
  static void NAME(long m, long n, long k, const T *restrict a, long lda, const T *restrict b, long ldb,      \
                   T *restrict c, long ldc) {                                                                 \
    enum { L = sizeof(V) / sizeof(T) };                                                                       \
    long j = 0;                                                                                               \
    for (; j + L <= n; j += L) {                                                                              \
      long i = 0;                                                                                             \
      for (; i + 4 <= m; i += 4) {                                                                            \
        const T *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;                            \
        V s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, y;                                                          \
        for (long p = 0; p < k; p++) {                                                                        \
          y = *(const V *)(b + p * ldb + j);                                                                  \
          s0 = FMA(a0[p] - (V){0}, y, s0);                                                                    \
          s1 = FMA(a1[p] - (V){0}, y, s1);                                                                    \
          s2 = FMA(a2[p] - (V){0}, y, s2);                                                                    \
          s3 = FMA(a3[p] - (V){0}, y, s3);                                                                    \
        }                                                                                                     \
        *(V *)(c + i * ldc + j) = s0;                                                                         \
        *(V *)(c + (i + 1) * ldc + j) = s1;                                                                   \
        *(V *)(c + (i + 2) * ldc + j) = s2;                                                                   \
        *(V *)(c + (i + 3) * ldc + j) = s3;                                                                   \
      }                                                                                                       \
      for (; i < m; i++) {                                                                                    \
        const T *ai = a + i * lda;                                                                            \
        V s0 = {0};                                                                                           \
        for (long p = 0; p < k; p++) s0 = FMA(ai[p] - (V){0}, *(const V *)(b + p * ldb + j), s0);             \
        *(V *)(c + i * ldc + j) = s0;                                                                         \
      }                                                                                                       \
    }                                                                                                         \
    if (j < n) {                                                                                              \
      const int t = (int)(n - j);                                                                             \
      T keep[L];                                                                                              \
      for (int l = 0; l < L; l++) memset(&keep[l], l < t ? 0xff : 0, sizeof(T));                             \
      const VI mask = *(const VI *)keep;                                                                      \
      const long end = (k - 1) * ldb + n; /* elements of B from b */                                          \
      for (long i = 0; i < m; i += 4) {                                                                       \
        /* Rows past m repeat the last row and are not stored. */                                             \
        const T *a0 = a + i * lda, *a1 = a + (i + 1 < m ? i + 1 : m - 1) * lda;                               \
        const T *a2 = a + (i + 2 < m ? i + 2 : m - 1) * lda, *a3 = a + (i + 3 < m ? i + 3 : m - 1) * lda;     \
        V s[4] = {{0}}, y;                                                                                    \
        for (long p = 0; p < k; p++) {                                                                        \
          if (p * ldb + j + L <= end) y = *(const V *)(b + p * ldb + j);                                      \
          else {                                                                                              \
            T tail[L] = {0};                                                                                  \
            memcpy(tail, b + p * ldb + j, (size_t)t * sizeof(T));                                             \
            y = *(const V *)tail;                                                                             \
          }                                                                                                   \
          y = (V)((VI)y & mask); /* lanes past n may hold anything, infinities included */                   \
          s[0] = FMA(a0[p] - (V){0}, y, s[0]);                                                                \
          s[1] = FMA(a1[p] - (V){0}, y, s[1]);                                                                \
          s[2] = FMA(a2[p] - (V){0}, y, s[2]);                                                                \
          s[3] = FMA(a3[p] - (V){0}, y, s[3]);                                                                \
        }                                                                                                     \
        for (int r = 0; r < 4 && i + r < m; r++) {                                                            \
          T out[L];                                                                                           \
          *(V *)out = s[r];                                                                                   \
          memcpy(c + (i + r) * ldc + j, out, (size_t)t * sizeof(T));                                          \
        }                                                                                                     \
      }                                                                                                       \
    }                                                                                                         \
  }
DEFINE_SMALL(small_f32, float, gn_vf, gn_vi, fma_f32)
DEFINE_SMALL(small_f64, double, gn_vd, gn_vl, fma_f64)

/* Dot products on vector registers (as wide as this build's instruction set), two rows of B at a
 * time so that each load of A serves two products, with two partial sums each to hide the add
 * latency; the lanes are added once per product. */
#define DEFINE_DOTS(NAME, T, V, FMA)                                                                             \
  static void NAME(long m, long n, long k, const T *restrict a, long lda, const T *restrict b, long ldb,       \
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
          x = *(const __typeof__(x) *)(ai + p);                                                                \
          y0 = *(const __typeof__(y0) *)(b0 + p);                                                              \
          y1 = *(const __typeof__(y1) *)(b1 + p);                                                              \
          s00 = FMA(x, y0, s00);                                                                                       \
          s10 = FMA(x, y1, s10);                                                                                       \
          x = *(const __typeof__(x) *)(ai + p + L);                                                            \
          y0 = *(const __typeof__(y0) *)(b0 + p + L);                                                          \
          y1 = *(const __typeof__(y1) *)(b1 + p + L);                                                          \
          s01 = FMA(x, y0, s01);                                                                                       \
          s11 = FMA(x, y1, s11);                                                                                       \
        }                                                                                                      \
        for (; p < k1; p += L) {                                                                               \
          x = *(const __typeof__(x) *)(ai + p);                                                                \
          y0 = *(const __typeof__(y0) *)(b0 + p);                                                              \
          y1 = *(const __typeof__(y1) *)(b1 + p);                                                              \
          s00 = FMA(x, y0, s00);                                                                                       \
          s10 = FMA(x, y1, s10);                                                                                       \
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
DEFINE_DOTS(dots_f32, float, gn_vf, fma_f32)
DEFINE_DOTS(dots_f64, double, gn_vd, fma_f64)

/* Short rows (k < 32) of a float32 matrix-vector product with 16-lane registers: W4's X w, k = 30.
 * Reducing each row's register on its own costs four shuffles and four adds a row, more than its
 * multiply-adds. Here sixteen rows' registers are reduced together as a transpose: each level adds
 * pairs of registers half against half (2 shuffles + 1 add per pair), and after four levels one
 * register holds the sixteen row sums in order: 30 shuffles and 15 adds for 16 rows. Returns the
 * rows done (whole blocks of 16 whose loads stay inside A); the caller finishes the rest. */
#if defined(__AVX512F__)
#define SHUF __builtin_shufflevector
static long short_rows_f32(long m, long k, const float *restrict a, long lda, const float *restrict x, float *restrict y,
                           long incy, int accumulate, gn_vi mask, gn_vf xtail) {
  if (k >= 32) return 0; /* the caller's kv, t and xtail for k < 32: kv = 0 or 16 */
  const long kv = k >= 16 ? 16 : 0, t = k - kv, end = (m - 1) * lda + k;
  gn_vf x0 = {0};
  if (kv) x0 = *(const gn_vf *)x;
  long i = 0;
  for (; i + 16 <= m && (t == 0 || (i + 15) * lda + kv + 16 <= end); i += 16) {
    gn_vf v[16], z[8], w[4], u[2];
#pragma GCC unroll 16
    for (int r = 0; r < 16; r++) {
      const float *ar = a + (i + r) * lda;
      gn_vf s = {0};
      if (kv) s = *(const gn_vf *)ar * x0;
      if (t) s = fma_f32((gn_vf)((gn_vi) * (const gn_vf *)(ar + kv) & mask), xtail, s);
      v[r] = s;
    }
#pragma GCC unroll 8
    for (int q = 0; q < 8; q++)
      z[q] = SHUF(v[2 * q], v[2 * q + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
             SHUF(v[2 * q], v[2 * q + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
#pragma GCC unroll 4
    for (int q = 0; q < 4; q++)
      w[q] = SHUF(z[2 * q], z[2 * q + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
             SHUF(z[2 * q], z[2 * q + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
#pragma GCC unroll 2
    for (int q = 0; q < 2; q++)
      u[q] = SHUF(w[2 * q], w[2 * q + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29) +
             SHUF(w[2 * q], w[2 * q + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
    const gn_vf sum = SHUF(u[0], u[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
                      SHUF(u[0], u[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    if (incy == 1 && !accumulate) *(gn_vf *)(y + i) = sum;
    else
      for (int r = 0; r < 16; r++) y[(i + r) * incy] = accumulate ? y[(i + r) * incy] + sum[r] : sum[r];
  }
  return i;
}
#undef SHUF
#else
#define short_rows_f32(...) 0L /* with 16-lane registers only */
#endif
#define no_short_rows(...) 0L /* float64 reduces each row on its own */

/* y[i] (=|+=) A[i, :] . x with rows of A contiguous: vector partial sums over each row, its tail
 * loaded as a whole vector and masked to zero beyond the row (the load stays inside A; the last rows
 * copy their tail instead), then the lanes added as a tree. Short rows go through SHORT first (blocks
 * reduced together, where the build has it); long rows four at a time, eight sums in flight; a single
 * long row (a dot product) keeps eight sums too. */
#define DEFINE_GEMV(NAME, T, V, VI, HSUM, FMA, SHORT)                                                                 \
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
    xtail = *(const __typeof__(xtail) *)(xt);                                                                  \
    mask = *(const __typeof__(mask) *)(keep);                                                                  \
    const long end = (m - 1) * lda + k; /* elements of A from a */                                             \
    long i = SHORT(m, k, a, lda, x, y, incy, accumulate, mask, xtail);                                         \
    if (k >= 2 * L) /* long rows: four at a time, eight independent sums in flight */                          \
      for (; i + 4 <= m; i += 4) {                                                                             \
        V s[4][2] = {{{0}}};                                                                                     \
        long p = 0;                                                                                            \
        for (; p < k2; p += 2 * L) {                                                                           \
          V x0, x1;                                                                                            \
          x0 = *(const __typeof__(x0) *)(x + p);                                                               \
          x1 = *(const __typeof__(x1) *)(x + p + L);                                                           \
          for (int r = 0; r < 4; r++) {                                                                        \
            u = *(const __typeof__(u) *)(a + (i + r) * lda + p);                                               \
            v = *(const __typeof__(v) *)(a + (i + r) * lda + p + L);                                           \
            s[r][0] = FMA(u, x0, s[r][0]);                                                                     \
            s[r][1] = FMA(v, x1, s[r][1]);                                                                     \
          }                                                                                                    \
        }                                                                                                      \
        for (; p < kv; p += L) {                                                                               \
          v = *(const __typeof__(v) *)(x + p);                                                                 \
          for (int r = 0; r < 4; r++) {                                                                        \
            u = *(const __typeof__(u) *)(a + (i + r) * lda + p);                                               \
            s[r][0] = FMA(u, v, s[r][0]);                                                                      \
          }                                                                                                    \
        }                                                                                                      \
        for (int r = 0; r < 4; r++) {                                                                          \
          const T *ai = a + (i + r) * lda;                                                                     \
          if (t > 0) {                                                                                         \
            if ((i + r) * lda + kv + L <= end) u = *(const __typeof__(u) *)(ai + kv);                          \
            else {                                                                                             \
              T tail[L] = {0};                                                                                 \
              memcpy(tail, ai + kv, (size_t)t * sizeof(T));                                                    \
              u = *(const __typeof__(u) *)(tail);                                                              \
            }                                                                                                  \
            u = (V)((VI)u & mask);                                                                             \
            s[r][1] = FMA(u, xtail, s[r][1]);                                                                  \
          }                                                                                                    \
          const T rr = HSUM(s[r][0] + s[r][1]);                                                                \
          y[(i + r) * incy] = accumulate ? y[(i + r) * incy] + rr : rr;                                        \
        }                                                                                                      \
      }                                                                                                        \
    for (; i < m; i++) {                                                                                       \
      const T *ai = a + i * lda;                                                                               \
      V s0 = {0}, s1 = {0};                                                                                    \
      long p = 0;                                                                                              \
      if (k >= 8 * L) { /* a long single row (a dot product): eight sums in flight, not two */                  \
        V s2 = {0}, s3 = {0}, s4 = {0}, s5 = {0}, s6 = {0}, s7 = {0};                                          \
        for (; p + 8 * L <= k; p += 8 * L) {                                                                   \
          s0 = FMA(*(const V *)(ai + p), *(const V *)(x + p), s0);                                             \
          s1 = FMA(*(const V *)(ai + p + L), *(const V *)(x + p + L), s1);                                     \
          s2 = FMA(*(const V *)(ai + p + 2 * L), *(const V *)(x + p + 2 * L), s2);                             \
          s3 = FMA(*(const V *)(ai + p + 3 * L), *(const V *)(x + p + 3 * L), s3);                             \
          s4 = FMA(*(const V *)(ai + p + 4 * L), *(const V *)(x + p + 4 * L), s4);                             \
          s5 = FMA(*(const V *)(ai + p + 5 * L), *(const V *)(x + p + 5 * L), s5);                             \
          s6 = FMA(*(const V *)(ai + p + 6 * L), *(const V *)(x + p + 6 * L), s6);                             \
          s7 = FMA(*(const V *)(ai + p + 7 * L), *(const V *)(x + p + 7 * L), s7);                             \
        }                                                                                                      \
        s0 = (s0 + s4) + (s2 + s6);                                                                            \
        s1 = (s1 + s5) + (s3 + s7);                                                                            \
      }                                                                                                        \
      for (; p < k2; p += 2 * L) {                                                                             \
        u = *(const __typeof__(u) *)(ai + p);                                                                  \
        v = *(const __typeof__(v) *)(x + p);                                                                   \
        s0 = FMA(u, v, s0);                                                                                    \
        u = *(const __typeof__(u) *)(ai + p + L);                                                              \
        v = *(const __typeof__(v) *)(x + p + L);                                                               \
        s1 = FMA(u, v, s1);                                                                                    \
      }                                                                                                        \
      for (; p < kv; p += L) {                                                                                 \
        u = *(const __typeof__(u) *)(ai + p);                                                                  \
        v = *(const __typeof__(v) *)(x + p);                                                                   \
        s0 = FMA(u, v, s0);                                                                                    \
      }                                                                                                        \
      if (t > 0) {                                                                                             \
        if (i * lda + kv + L <= end) u = *(const __typeof__(u) *)(ai + kv);                                    \
        else {                                                                                                 \
          T tail[L] = {0};                                                                                     \
          memcpy(tail, ai + kv, (size_t)t * sizeof(T));                                                        \
          u = *(const __typeof__(u) *)(tail);                                                                  \
        }                                                                                                      \
        u = (V)((VI)u & mask); /* lanes past the row may hold anything, infinities included */                 \
        s1 = FMA(u, xtail, s1);                                                                                \
      }                                                                                                        \
      const T r = HSUM(s0 + s1);                                                                               \
      y[i * incy] = accumulate ? y[i * incy] + r : r;                                                          \
    }                                                                                                          \
  }
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
DEFINE_GEMV(gemv_f32, float, gn_vf, gn_vi, hsum_f32, fma_f32, short_rows_f32)
DEFINE_GEMV(gemv_f64, double, gn_vd, gn_vl, hsum_f64, fma_f64, no_short_rows)

/* y[j] (=|+=) sum_p x[p incx] A[p lda + j] for j < n, rows of A contiguous: A^T x for a row-major A
 * (W4's X^T g), or the row x^T A (a one-row product). Two vector registers of y at a time, held over
 * all of p in four partial sums (p mod 4, added at the end) so that eight multiply-add chains are in
 * flight; the last register's lanes past n are loaded whole and masked to zero (copied when a whole
 * load would leave A), and only the lanes inside y are stored. */
#define DEFINE_GEMVT(NAME, T, V, VI, FMA)                                                                      \
  static void NAME(long n, long k, const T *restrict a, long lda, const T *restrict x, long incx,              \
                   T *restrict y, int accumulate) {                                                            \
    enum { L = sizeof(V) / sizeof(T), U = 4 };                                                                 \
    for (long j = 0; j < n; j += 2 * L) {                                                                      \
      const long cols = n - j < 2 * L ? n - j : 2 * L;                                                         \
      const int two = cols > L;                                                                                \
      const long last = two ? j + L : j; /* the register that may be partial */                                \
      const int t = (int)(j + cols - last); /* its lanes inside y, 1..L */                                     \
      T keep[L];                                                                                               \
      for (int l = 0; l < L; l++) memset(&keep[l], l < t ? 0xff : 0, sizeof(T));                               \
      VI mask;                                                                                                 \
      mask = *(const __typeof__(mask) *)(keep);                                                                \
      V s[U][2] = {{{0}}}, u, w;                                                                               \
      /* Whole loads of the last register stay inside A up to row pw (exclusive); later rows copy. */          \
      const long pw = last + L <= n ? k : k - 1 - (last + L - n - 1) / lda;                                    \
      long p = 0;                                                                                              \
      for (; p + U <= pw; p += U) {                                                                            \
        _Pragma("GCC unroll 4") for (int q = 0; q < U; q++) {                                                  \
          const V xp = x[(p + q) * incx] - (V){0};                                                             \
          const T *ap = a + (p + q) * lda;                                                                     \
          if (two) {                                                                                           \
            u = *(const __typeof__(u) *)(ap + j);                                                              \
            s[q][0] = FMA(xp, u, s[q][0]);                                                                     \
          }                                                                                                    \
          w = *(const __typeof__(w) *)(ap + last);                                                             \
          w = (V)((VI)w & mask); /* lanes past y may hold anything, infinities included */                     \
          s[q][1] = FMA(xp, w, s[q][1]);                                                                       \
        }                                                                                                      \
      }                                                                                                        \
      for (; p < k; p++) {                                                                                     \
        const V xp = x[p * incx] - (V){0};                                                                     \
        const T *ap = a + p * lda;                                                                             \
        if (two) {                                                                                             \
          u = *(const __typeof__(u) *)(ap + j);                                                                \
          s[0][0] = FMA(xp, u, s[0][0]);                                                                       \
        }                                                                                                      \
        if (p < pw) w = *(const __typeof__(w) *)(ap + last);                                                   \
        else {                                                                                                 \
          T tail[L] = {0};                                                                                     \
          memcpy(tail, ap + last, (size_t)t * sizeof(T));                                                      \
          w = *(const __typeof__(w) *)(tail);                                                                  \
        }                                                                                                      \
        w = (V)((VI)w & mask);                                                                                 \
        s[0][1] = FMA(xp, w, s[0][1]);                                                                         \
      }                                                                                                        \
      V r0 = (s[0][0] + s[1][0]) + (s[2][0] + s[3][0]), r1 = (s[0][1] + s[1][1]) + (s[2][1] + s[3][1]);        \
      T out[L];                                                                                                \
      if (two) {                                                                                               \
        if (accumulate) {                                                                                      \
          memcpy(out, y + j, sizeof out);                                                                      \
          u = *(const __typeof__(u) *)(out);                                                                   \
          r0 += u;                                                                                             \
        }                                                                                                      \
        *(__typeof__(r0) *)(y + j) = r0;                                                                       \
      }                                                                                                        \
      memcpy(out, &r1, sizeof out);                                                                            \
      for (int l = 0; l < t; l++) y[last + l] = accumulate ? y[last + l] + out[l] : out[l];                    \
    }                                                                                                          \
  }
DEFINE_GEMVT(gemvt_f32, float, gn_vf, gn_vi, fma_f32)
DEFINE_GEMVT(gemvt_f64, double, gn_vd, gn_vl, fma_f64)

void GN_FN(gn_gemv_f32)(long m, long k, const float *a, long lda, const float *x, float *y, long incy, int acc) { gemv_f32(m, k, a, lda, x, y, incy, acc); }
void GN_FN(gn_gemv_f64)(long m, long k, const double *a, long lda, const double *x, double *y, long incy, int acc) { gemv_f64(m, k, a, lda, x, y, incy, acc); }
void GN_FN(gn_gemvt_f32)(long n, long k, const float *a, long lda, const float *x, long incx, float *y, int acc) { gemvt_f32(n, k, a, lda, x, incx, y, acc); }
void GN_FN(gn_gemvt_f64)(long n, long k, const double *a, long lda, const double *x, long incx, double *y, int acc) { gemvt_f64(n, k, a, lda, x, incx, y, acc); }
void GN_FN(gn_dots_f32)(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc, int acc) { dots_f32(m, n, k, a, lda, b, ldb, c, ldc, acc); }
void GN_FN(gn_dots_f64)(long m, long n, long k, const double *a, long lda, const double *b, long ldb, double *c, long ldc, int acc) { dots_f64(m, n, k, a, lda, b, ldb, c, ldc, acc); }

void GN_FN(gn_small_f32)(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc) { small_f32(m, n, k, a, lda, b, ldb, c, ldc); }
void GN_FN(gn_small_f64)(long m, long n, long k, const double *a, long lda, const double *b, long ldb, double *c, long ldc) { small_f64(m, n, k, a, lda, b, ldb, c, ldc); }

void GN_FN(gn_ukr_f32)(long kc, const float *a, const float *b, float *c, long ldc, int acc, int mr, int nr) { ukr_f32(kc, a, b, c, ldc, acc, mr, nr); }
void GN_FN(gn_ukr_f64)(long kc, const double *a, const double *b, double *c, long ldc, int acc, int mr, int nr) { ukr_f64(kc, a, b, c, ldc, acc, mr, nr); }
