/* The kernels compiled once per instruction set (generic C, AVX2+FMA, AVX-512) from the same
 * sources in src/isa/, each build exporting one table. addon.c picks a table at load time from the
 * CPU's features (cpu.c). Every function here works on one contiguous run or one GEMM micro-tile;
 * the loops over shapes, strides and threads live outside, in code compiled once. */
#ifndef GN_ISA_H
#define GN_ISA_H
#include "../common.h"

/* Fused Adam constants (src/backends/backend.ts: AdamConstants), rounded to the dtype by the caller. */
typedef struct {
  double b1, omb1, b2, omb2, eps, step_scale, bc2_sqrt, l2, decoupled;
} gn_adam_k;

typedef struct gn_isa {
  const char *name;
  /* GEMM micro-kernels: C[mr x nr] (row stride ldc) = or += A_panel (MR x kc, k-major) B_panel (kc x NR).
   * accumulate 0 overwrites C (never reads it); mr <= MR and nr <= NR clip the tile at the edges. */
  int mr_f32, nr_f32, mr_f64, nr_f64;
  void (*ukr_f32)(long kc, const float *a, const float *b, float *c, long ldc, int accumulate, int mr, int nr);
  void (*ukr_f64)(long kc, const double *a, const double *b, double *c, long ldc, int accumulate, int mr, int nr);
  /* C[m x n] = A[m x k] B[k x n], all row-major with the given row strides: for small products,
   * where packing would cost more than the arithmetic. */
  void (*small_f32)(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc);
  void (*small_f64)(long m, long n, long k, const double *a, long lda, const double *b, long ldb, double *c, long ldc);
  /* C[m x n] (=|+=) A[m x k] B[n x k]^T with rows of A and of B contiguous: a small result of long
   * dot products (a convolution's filter gradient), where tiles would be mostly padding. */
  void (*dots_f32)(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc, int accumulate);
  void (*dots_f64)(long m, long n, long k, const double *a, long lda, const double *b, long ldb, double *c, long ldc, int accumulate);
  /* y[i incy] (=|+=) A[i, :] . x for i < m, rows of A (row stride lda) and x contiguous: a matrix-vector product. */
  void (*gemv_f32)(long m, long k, const float *a, long lda, const float *x, float *y, long incy, int accumulate);
  void (*gemv_f64)(long m, long k, const double *a, long lda, const double *x, double *y, long incy, int accumulate);
  /* y[j] (=|+=) sum_p x[p incx] A[p lda + j] for j < n, rows of A contiguous: A^T x, or the row x^T A. */
  void (*gemvt_f32)(long n, long k, const float *a, long lda, const float *x, long incx, float *y, int accumulate);
  void (*gemvt_f64)(long n, long k, const double *a, long lda, const double *x, long incx, double *y, int accumulate);
  /* y[i] = op(x[i]) for i < n. */
  void (*unary_f32)(int op, const float *x, float *y, long n);
  void (*unary_f64)(int op, const double *x, double *y, long n);
  /* y[i] = a[i sa] op b[i sb] for i < n (sa, sb are 0 or 1 on the fast paths, anything otherwise). */
  void (*binary_f32)(int op, const float *a, long sa, const float *b, long sb, float *y, long n);
  void (*binary_f64)(int op, const double *a, long sa, const double *b, long sb, double *y, long n);
  /* out = [a.a, b.b, a.b] over n elements, in one pass. */
  void (*dots3_f32)(const float *a, const float *b, long n, double *out);
  void (*dots3_f64)(const double *a, const double *b, long n, double *out);
  /* x seen as [outer, red, inner] reduced over red into y [outer, inner]. */
  void (*reduce_f32)(int op, const float *x, float *y, long outer, long red, long inner);
  void (*reduce_f64)(int op, const double *x, double *y, long outer, long red, long inner);
  /* The fused Adam step over n elements (p, vmax, vmaxo may be NULL). */
  void (*adam_f32)(const float *g, const float *p, const float *m, const float *v, const float *vmax, float *u, float *mo, float *vo, float *vmaxo, long n, const gn_adam_k *k);
  void (*adam_f64)(const double *g, const double *p, const double *m, const double *v, const double *vmax, double *u, double *mo, double *vo, double *vmaxo, long n, const gn_adam_k *k);
} gn_isa;

extern const gn_isa gn_isa_table_generic;
#if defined(__x86_64__) || defined(_M_X64)
#define GN_X86 1
extern const gn_isa gn_isa_table_avx2;
extern const gn_isa gn_isa_table_avx512;
#endif

/* Inside src/isa/: GN_FN(name) is name_<isa>, so the three builds link side by side. */
#define GN_CAT2(a, b) a##_##b
#define GN_CAT(a, b) GN_CAT2(a, b)
#ifdef GN_ISA
#define GN_FN(name) GN_CAT(name, GN_ISA)
#endif

#endif
