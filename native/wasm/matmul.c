/* Matrix products C = A B (GotoBLAS structure): B is packed in KC x NR column panels, A in MR x KC
 * row panels, and a register-blocked micro-kernel multiplies one A panel by one B panel. Operands
 * are read through (row stride, column stride) pairs, so a transposed operand costs nothing extra:
 * the packing absorbs it. C is dense with leading dimension ldc. `work` is caller-provided scratch
 * (gemm_work_bytes), one per thread, so threads can run disjoint blocks of C at the same time.
 * With acc != 0 the product is added to C instead of replacing it. Products with few rows or few
 * multiply-adds skip the packing (gemm_direct_*), summing in the same order, so the choice never
 * changes a result. */
#include "common.h"

#define KC 256
#define MC 96
#define NC 1024

/* ---------------- float32: 4 x 8 micro-kernel (8 accumulators) ---------------- */
#define MR32 4
#define NR32 8

/* The 4 x 4 block whose rows are r0..r3, transposed, stored at out, out + step, out + 2 step, out + 3 step. */
INLINE void store_transposed_4x4(v128_t r0, v128_t r1, v128_t r2, v128_t r3, f32 *out, int step) {
  v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(out, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
  wasm_v128_store(out + step, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
  wasm_v128_store(out + 2 * step, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
  wasm_v128_store(out + 3 * step, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
}

static void pack_a_f32(const f32 *a, int rsa, int csa, int mc, int kc, f32 *pa) {
  for (int i0 = 0; i0 < mc; i0 += MR32) {
    int mr = mc - i0 < MR32 ? mc - i0 : MR32;
    const f32 *src = a + (long)i0 * rsa;
    if (mr == MR32) {
      int p = 0;
      if (csa == 1) // rows contiguous: four k steps of the four rows at a time, transposed in registers
        for (; p + 4 <= kc; p += 4, pa += 4 * MR32)
          store_transposed_4x4(wasm_v128_load(src + p), wasm_v128_load(src + rsa + p), wasm_v128_load(src + 2 * rsa + p), wasm_v128_load(src + 3 * rsa + p), pa, MR32);
      else if (rsa == 1) // a transposed matrix: the four rows of one k step are contiguous
        for (; p < kc; p++, pa += MR32) wasm_v128_store(pa, wasm_v128_load(src + (long)p * csa));
      for (; p < kc; p++) {
        const f32 *s = src + (long)p * csa;
        pa[0] = s[0];
        pa[1] = s[rsa];
        pa[2] = s[2 * rsa];
        pa[3] = s[3 * rsa];
        pa += MR32;
      }
    } else {
      for (int p = 0; p < kc; p++) {
        for (int r = 0; r < MR32; r++) pa[r] = r < mr ? src[(long)r * rsa + (long)p * csa] : 0.0f;
        pa += MR32;
      }
    }
  }
}

static void pack_b_f32(const f32 *b, int rsb, int csb, int kc, int nc, f32 *pb) {
  for (int j0 = 0; j0 < nc; j0 += NR32) {
    int nr = nc - j0 < NR32 ? nc - j0 : NR32;
    const f32 *src = b + (long)j0 * csb;
    if (nr == NR32 && csb == 1) {
      for (int p = 0; p < kc; p++) {
        const f32 *s = src + (long)p * rsb;
        wasm_v128_store(pb, wasm_v128_load(s));
        wasm_v128_store(pb + 4, wasm_v128_load(s + 4));
        pb += NR32;
      }
    } else if (nr == NR32 && rsb == 1) {
      // A transposed matrix (columns contiguous): 4 x 4 blocks transposed in registers.
      int p = 0;
      for (; p + 4 <= kc; p += 4, pb += 4 * NR32) {
        const f32 *s = src + p;
        store_transposed_4x4(wasm_v128_load(s), wasm_v128_load(s + csb), wasm_v128_load(s + 2 * csb), wasm_v128_load(s + 3 * csb), pb, NR32);
        s += 4 * csb;
        store_transposed_4x4(wasm_v128_load(s), wasm_v128_load(s + csb), wasm_v128_load(s + 2 * csb), wasm_v128_load(s + 3 * csb), pb + 4, NR32);
      }
      for (; p < kc; p++, pb += NR32)
        for (int j = 0; j < NR32; j++) pb[j] = src[p + (long)j * csb];
    } else {
      for (int p = 0; p < kc; p++) {
        for (int j = 0; j < NR32; j++) pb[j] = j < nr ? src[(long)p * rsb + (long)j * csb] : 0.0f;
        pb += NR32;
      }
    }
  }
}

static void kernel_f32(int kc, const f32 *pa, const f32 *pb, f32 *c, int ldc, int add, int mr, int nr) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int p = 0; p < kc; p++) {
    v128_t b0 = wasm_v128_load(pb), b1 = wasm_v128_load(pb + 4);
    v128_t a0 = wasm_v128_load32_splat(pa), a1 = wasm_v128_load32_splat(pa + 1);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    v128_t a2 = wasm_v128_load32_splat(pa + 2), a3 = wasm_v128_load32_splat(pa + 3);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
    pa += MR32;
    pb += NR32;
  }
  if (mr == MR32 && nr == NR32) {
    f32 *r0 = c, *r1 = c + ldc, *r2 = c + 2 * ldc, *r3 = c + 3 * ldc;
    if (add) {
      c00 = wasm_f32x4_add(c00, wasm_v128_load(r0)); c01 = wasm_f32x4_add(c01, wasm_v128_load(r0 + 4));
      c10 = wasm_f32x4_add(c10, wasm_v128_load(r1)); c11 = wasm_f32x4_add(c11, wasm_v128_load(r1 + 4));
      c20 = wasm_f32x4_add(c20, wasm_v128_load(r2)); c21 = wasm_f32x4_add(c21, wasm_v128_load(r2 + 4));
      c30 = wasm_f32x4_add(c30, wasm_v128_load(r3)); c31 = wasm_f32x4_add(c31, wasm_v128_load(r3 + 4));
    }
    wasm_v128_store(r0, c00); wasm_v128_store(r0 + 4, c01);
    wasm_v128_store(r1, c10); wasm_v128_store(r1 + 4, c11);
    wasm_v128_store(r2, c20); wasm_v128_store(r2 + 4, c21);
    wasm_v128_store(r3, c30); wasm_v128_store(r3 + 4, c31);
    return;
  }
  f32 tile[MR32 * NR32] __attribute__((aligned(16)));
  wasm_v128_store(tile + 0, c00); wasm_v128_store(tile + 4, c01);
  wasm_v128_store(tile + 8, c10); wasm_v128_store(tile + 12, c11);
  wasm_v128_store(tile + 16, c20); wasm_v128_store(tile + 20, c21);
  wasm_v128_store(tile + 24, c30); wasm_v128_store(tile + 28, c31);
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) c[(long)i * ldc + j] = add ? c[(long)i * ldc + j] + tile[i * NR32 + j] : tile[i * NR32 + j];
}

/* ---------------- without packing (both dtypes) ----------------
 * For products where packing costs more than it saves (few rows or columns, short k: the
 * convolutions' im2col products, small matrices). B's rows must be contiguous (csb == 1); A is read
 * through its strides. Each element is summed in the packed path's order (per KC block, from zero,
 * then added to C), so both paths give identical results and gemm_f32 can choose per call. */

/* The unpacked path for one dtype: T, L lanes per vector, and its vector operations.
 *   direct_4x2v_SUF: C[4 x 2L] (+)= A[4 x kc] B[kc x 2L]: a0..a3 are the rows of A, bp the first row of B.
 *   direct_1xw_SUF:  C[1 x wL] (+)= A[1 x kc] B[kc x wL] for w = 1 or 2 vectors.
 *   gemm_direct_SUF: the product in KC blocks, those tiles first, then single rows and columns. */
#define DEFINE_DIRECT(SUF, T, L, SPLAT, ADD, MUL, LOAD_SPLAT)                                                   \
  INLINE void direct_4x2v_##SUF(const T *a0, int rsa, int csa, const T *bp, int rsb, int kc, T *c, int ldc, int add) { \
    const T *a1 = a0 + rsa, *a2 = a1 + rsa, *a3 = a2 + rsa;                                                      \
    v128_t c00 = SPLAT(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;          \
    for (int p = 0; p < kc; p++, bp += rsb) {                                                                    \
      long q = (long)p * csa;                                                                                    \
      v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + L);                                               \
      v128_t x0 = LOAD_SPLAT(a0 + q), x1 = LOAD_SPLAT(a1 + q);                                                   \
      c00 = ADD(c00, MUL(x0, b0));                                                                               \
      c01 = ADD(c01, MUL(x0, b1));                                                                               \
      c10 = ADD(c10, MUL(x1, b0));                                                                               \
      c11 = ADD(c11, MUL(x1, b1));                                                                               \
      v128_t x2 = LOAD_SPLAT(a2 + q), x3 = LOAD_SPLAT(a3 + q);                                                   \
      c20 = ADD(c20, MUL(x2, b0));                                                                               \
      c21 = ADD(c21, MUL(x2, b1));                                                                               \
      c30 = ADD(c30, MUL(x3, b0));                                                                               \
      c31 = ADD(c31, MUL(x3, b1));                                                                               \
    }                                                                                                            \
    T *r0 = c, *r1 = c + ldc, *r2 = r1 + ldc, *r3 = r2 + ldc;                                                    \
    if (add) {                                                                                                   \
      c00 = ADD(c00, wasm_v128_load(r0)); c01 = ADD(c01, wasm_v128_load(r0 + L));                                \
      c10 = ADD(c10, wasm_v128_load(r1)); c11 = ADD(c11, wasm_v128_load(r1 + L));                                \
      c20 = ADD(c20, wasm_v128_load(r2)); c21 = ADD(c21, wasm_v128_load(r2 + L));                                \
      c30 = ADD(c30, wasm_v128_load(r3)); c31 = ADD(c31, wasm_v128_load(r3 + L));                                \
    }                                                                                                            \
    wasm_v128_store(r0, c00); wasm_v128_store(r0 + L, c01);                                                      \
    wasm_v128_store(r1, c10); wasm_v128_store(r1 + L, c11);                                                      \
    wasm_v128_store(r2, c20); wasm_v128_store(r2 + L, c21);                                                      \
    wasm_v128_store(r3, c30); wasm_v128_store(r3 + L, c31);                                                      \
  }                                                                                                              \
                                                                                                                 \
  INLINE void direct_1xw_##SUF(const T *a0, int csa, const T *bp, int rsb, int kc, T *c, int add, int w) {      \
    v128_t c0 = SPLAT(0), c1 = c0;                                                                               \
    for (int p = 0; p < kc; p++, bp += rsb) {                                                                    \
      v128_t x = LOAD_SPLAT(a0 + (long)p * csa);                                                                 \
      c0 = ADD(c0, MUL(x, wasm_v128_load(bp)));                                                                  \
      if (w == 2) c1 = ADD(c1, MUL(x, wasm_v128_load(bp + L)));                                                  \
    }                                                                                                            \
    if (add) c0 = ADD(c0, wasm_v128_load(c));                                                                    \
    wasm_v128_store(c, c0);                                                                                      \
    if (w == 2) {                                                                                                \
      if (add) c1 = ADD(c1, wasm_v128_load(c + L));                                                              \
      wasm_v128_store(c + L, c1);                                                                                \
    }                                                                                                            \
  }                                                                                                              \
                                                                                                                 \
  static void gemm_direct_##SUF(const T *a, int rsa, int csa, const T *b, int rsb, T *c, int ldc, int m, int n, int k, int acc) { \
    if (k == 0 && !acc)                                                                                          \
      for (int i = 0; i < m; i++) memset(c + (long)i * ldc, 0, (unsigned long)n * sizeof(T));                   \
    for (int pc = 0; pc < k; pc += KC) {                                                                         \
      int kc = k - pc < KC ? k - pc : KC, add = acc || pc > 0;                                                   \
      const T *ak = a + (long)pc * csa, *bk = b + (long)pc * rsb;                                                \
      int j = 0;                                                                                                 \
      for (; j + 2 * L <= n; j += 2 * L) {                                                                       \
        int i = 0;                                                                                               \
        for (; i + 4 <= m; i += 4) direct_4x2v_##SUF(ak + (long)i * rsa, rsa, csa, bk + j, rsb, kc, c + (long)i * ldc + j, ldc, add); \
        for (; i < m; i++) direct_1xw_##SUF(ak + (long)i * rsa, csa, bk + j, rsb, kc, c + (long)i * ldc + j, add, 2); \
      }                                                                                                          \
      for (; j + L <= n; j += L)                                                                                 \
        for (int i = 0; i < m; i++) direct_1xw_##SUF(ak + (long)i * rsa, csa, bk + j, rsb, kc, c + (long)i * ldc + j, add, 1); \
      for (; j < n; j++)                                                                                         \
        for (int i = 0; i < m; i++) {                                                                            \
          const T *ai = ak + (long)i * rsa, *bp = bk + j;                                                        \
          T s = 0;                                                                                               \
          for (int p = 0; p < kc; p++) s += ai[(long)p * csa] * bp[(long)p * rsb];                               \
          c[(long)i * ldc + j] = add ? c[(long)i * ldc + j] + s : s;                                             \
        }                                                                                                        \
    }                                                                                                            \
  }
DEFINE_DIRECT(f32, f32, 4, wasm_f32x4_splat, wasm_f32x4_add, wasm_f32x4_mul, wasm_v128_load32_splat)

/* Whether the unpacked path is the faster one, for either dtype (measured with V8 on x64: it wins
 * for up to 16 rows and up to about 100^3 multiply-adds; it needs whole vectors of columns to keep
 * its pace). */
static int prefer_direct(int m, int n, int k, int csb) {
  return csb == 1 && n % 4 == 0 && (m <= 16 || (long)m * n * k <= (1 << 20));
}

EXPORT(gemm_work_bytes) int gemm_work_bytes(void) { return (MC * KC + KC * NC) * 8 + 64; }

/* The packed product for one dtype (its MR x NR micro-kernel, packing and unpacked path), unless the
 * unpacked path is the faster one. */
#define DEFINE_GEMM(SUF, T, MR, NR)                                                                                 \
  EXPORT(gemm_##SUF) void gemm_##SUF(const T *a, int rsa, int csa, const T *b, int rsb, int csb, T *c, int ldc, int m, int n, int k, void *work, int acc) { \
    T *pa = (T *)(((uintptr_t)work + 15) & ~(uintptr_t)15);                                                        \
    T *pb = pa + MC * KC;                                                                                           \
    if (k == 0) {                                                                                                   \
      if (!acc)                                                                                                     \
        for (int i = 0; i < m; i++) memset(c + (long)i * ldc, 0, (unsigned long)n * sizeof(T));                    \
      return;                                                                                                       \
    }                                                                                                               \
    if (prefer_direct(m, n, k, csb)) {                                                                              \
      gemm_direct_##SUF(a, rsa, csa, b, rsb, c, ldc, m, n, k, acc);                                                 \
      return;                                                                                                       \
    }                                                                                                               \
    for (int jc = 0; jc < n; jc += NC) {                                                                            \
      int nc = n - jc < NC ? n - jc : NC;                                                                           \
      for (int pc = 0; pc < k; pc += KC) {                                                                          \
        int kc = k - pc < KC ? k - pc : KC;                                                                         \
        pack_b_##SUF(b + (long)pc * rsb + (long)jc * csb, rsb, csb, kc, nc, pb);                                    \
        for (int ic = 0; ic < m; ic += MC) {                                                                        \
          int mc = m - ic < MC ? m - ic : MC;                                                                       \
          pack_a_##SUF(a + (long)ic * rsa + (long)pc * csa, rsa, csa, mc, kc, pa);                                  \
          for (int jr = 0; jr < nc; jr += NR) {                                                                     \
            int nr = nc - jr < NR ? nc - jr : NR;                                                                   \
            for (int ir = 0; ir < mc; ir += MR) {                                                                   \
              int mr = mc - ir < MR ? mc - ir : MR;                                                                 \
              kernel_##SUF(kc, pa + (long)ir * kc, pb + (long)jr * kc, c + (long)(ic + ir) * ldc + jc + jr, ldc, acc || pc > 0, mr, nr); \
            }                                                                                                       \
          }                                                                                                         \
        }                                                                                                           \
      }                                                                                                             \
    }                                                                                                               \
  }
DEFINE_GEMM(f32, f32, MR32, NR32)

/* ---------------- float64: 4 x 4 micro-kernel (8 accumulators of 2 lanes) ---------------- */
#define MR64 4
#define NR64 4

static void pack_a_f64(const f64 *a, int rsa, int csa, int mc, int kc, f64 *pa) {
  for (int i0 = 0; i0 < mc; i0 += MR64) {
    int mr = mc - i0 < MR64 ? mc - i0 : MR64;
    const f64 *src = a + (long)i0 * rsa;
    for (int p = 0; p < kc; p++) {
      for (int r = 0; r < MR64; r++) pa[r] = r < mr ? src[(long)r * rsa + (long)p * csa] : 0.0;
      pa += MR64;
    }
  }
}

static void pack_b_f64(const f64 *b, int rsb, int csb, int kc, int nc, f64 *pb) {
  for (int j0 = 0; j0 < nc; j0 += NR64) {
    int nr = nc - j0 < NR64 ? nc - j0 : NR64;
    const f64 *src = b + (long)j0 * csb;
    for (int p = 0; p < kc; p++) {
      for (int j = 0; j < NR64; j++) pb[j] = j < nr ? src[(long)p * rsb + (long)j * csb] : 0.0;
      pb += NR64;
    }
  }
}

static void kernel_f64(int kc, const f64 *pa, const f64 *pb, f64 *c, int ldc, int add, int mr, int nr) {
  v128_t c00 = wasm_f64x2_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int p = 0; p < kc; p++) {
    v128_t b0 = wasm_v128_load(pb), b1 = wasm_v128_load(pb + 2);
    v128_t a0 = wasm_v128_load64_splat(pa), a1 = wasm_v128_load64_splat(pa + 1);
    c00 = wasm_f64x2_add(c00, wasm_f64x2_mul(a0, b0));
    c01 = wasm_f64x2_add(c01, wasm_f64x2_mul(a0, b1));
    c10 = wasm_f64x2_add(c10, wasm_f64x2_mul(a1, b0));
    c11 = wasm_f64x2_add(c11, wasm_f64x2_mul(a1, b1));
    v128_t a2 = wasm_v128_load64_splat(pa + 2), a3 = wasm_v128_load64_splat(pa + 3);
    c20 = wasm_f64x2_add(c20, wasm_f64x2_mul(a2, b0));
    c21 = wasm_f64x2_add(c21, wasm_f64x2_mul(a2, b1));
    c30 = wasm_f64x2_add(c30, wasm_f64x2_mul(a3, b0));
    c31 = wasm_f64x2_add(c31, wasm_f64x2_mul(a3, b1));
    pa += MR64;
    pb += NR64;
  }
  f64 tile[MR64 * NR64] __attribute__((aligned(16)));
  wasm_v128_store(tile + 0, c00); wasm_v128_store(tile + 2, c01);
  wasm_v128_store(tile + 4, c10); wasm_v128_store(tile + 6, c11);
  wasm_v128_store(tile + 8, c20); wasm_v128_store(tile + 10, c21);
  wasm_v128_store(tile + 12, c30); wasm_v128_store(tile + 14, c31);
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) c[(long)i * ldc + j] = add ? c[(long)i * ldc + j] + tile[i * NR64 + j] : tile[i * NR64 + j];
}

/* float64 without packing: as the float32 path, with 4 x 4 tiles (two lanes per vector). */
DEFINE_DIRECT(f64, f64, 2, wasm_f64x2_splat, wasm_f64x2_add, wasm_f64x2_mul, wasm_v128_load64_splat)

DEFINE_GEMM(f64, f64, MR64, NR64)

/* ---------------- small products: no packing ----------------
 * C[m x n] (dense) = A B with A(i, p) at a[i rsa + p csa] and B's rows contiguous (B(p, j) at b[p rsb + j]).
 * Both are the unpacked paths above. */

EXPORT(matmul_small_f32) void matmul_small_f32(const f32 *a, int rsa, int csa, const f32 *b, int rsb, f32 *c, int m, int n, int k) {
  gemm_direct_f32(a, rsa, csa, b, rsb, c, n, m, n, k, 0);
}

EXPORT(matmul_small_f64) void matmul_small_f64(const f64 *a, int rsa, int csa, const f64 *b, int rsb, f64 *c, int m, int n, int k) {
  gemm_direct_f64(a, rsa, csa, b, rsb, c, n, m, n, k, 0);
}

/* ---------------- matrix-vector products y[m] = A x (x contiguous) ----------------
 * Rows of A contiguous (csa == 1): one dot product per row, vectorised along k. Columns contiguous
 * (rsa == 1, a transposed matrix): y accumulates x[p] A[:, p], vectorised along m. */

/* y[0 .. (nv-1) L + r) = sum over p of x[p] A[p, :] for A's rows at a + p csa (contiguous), nv
 * vectors of y in registers (nv a constant once inlined), the last holding r <= L lanes. Rows below
 * `safe` load that vector whole; the rest add its r lanes one by one. Every y[i] sums its terms in
 * order of p, as the scalar loop would. */
#define DEFINE_MATVEC_COLS(NAME, T, L, SPLAT, LOADSPLAT, ADD, MUL)                                    \
  static inline __attribute__((always_inline)) void NAME(const T *a, int csa, const T *x, T *y, int k, int nv, int r, int safe) { \
    v128_t s[8];                                                                                      \
    for (int v = 0; v < nv; v++) s[v] = SPLAT(0);                                                     \
    int p = 0;                                                                                        \
    for (; p < safe; p++) {                                                                           \
      const T *row = a + (long)p * csa;                                                               \
      const v128_t xs = LOADSPLAT(x + p);                                                             \
      for (int v = 0; v < nv; v++) s[v] = ADD(s[v], MUL(xs, wasm_v128_load(row + v * L)));           \
    }                                                                                                 \
    T t[L];                                                                                           \
    wasm_v128_store(t, s[nv - 1]);                                                                    \
    for (; p < k; p++) {                                                                              \
      const T *row = a + (long)p * csa;                                                               \
      const v128_t xs = LOADSPLAT(x + p);                                                             \
      for (int v = 0; v < nv - 1; v++) s[v] = ADD(s[v], MUL(xs, wasm_v128_load(row + v * L)));       \
      for (int l = 0; l < r; l++) t[l] += x[p] * row[(nv - 1) * L + l];                               \
    }                                                                                                 \
    for (int v = 0; v < nv - 1; v++) wasm_v128_store(y + v * L, s[v]);                               \
    for (int l = 0; l < r; l++) y[(nv - 1) * L + l] = t[l];                                           \
  }

#define DEFINE_MATVEC(NAME, T, L, SPLAT, LOADSPLAT, ADD, MUL, EXTRACT)                               \
  EXPORT(NAME) void NAME(const T *a, int rsa, int csa, const T *x, T *y, int m, int k) {              \
    if (csa == 1) {                                                                                   \
      for (int i = 0; i < m; i++) {                                                                   \
        const T *row = a + (long)i * rsa;                                                             \
        v128_t s0 = SPLAT(0), s1 = s0;                                                                \
        int p = 0;                                                                                    \
        for (; p + 2 * L <= k; p += 2 * L) {                                                          \
          s0 = ADD(s0, MUL(wasm_v128_load(row + p), wasm_v128_load(x + p)));                          \
          s1 = ADD(s1, MUL(wasm_v128_load(row + p + L), wasm_v128_load(x + p + L)));                  \
        }                                                                                             \
        s0 = ADD(s0, s1);                                                                             \
        T acc = 0;                                                                                    \
        for (int l = 0; l < L; l++) acc += l == 0 ? EXTRACT(s0, 0) : l == 1 ? EXTRACT(s0, 1) : l == 2 ? EXTRACT(s0, (L > 2 ? 2 : 0)) : EXTRACT(s0, (L > 3 ? 3 : 0)); \
        for (; p < k; p++) acc += row[p] * x[p];                                                      \
        y[i] = acc;                                                                                   \
      }                                                                                               \
      return;                                                                                         \
    }                                                                                                 \
    if (rsa == 1) {                                                                                   \
      /* Up to 8 vectors of y stay in registers over all of k (loading and storing y for every p would \
       * chain the steps through memory): one pass over A per 8 vectors of y. */                    \
      for (int i = 0; i < m; i += 8 * L) {                                                            \
        const int rem = m - i, nv = rem >= 8 * L ? 8 : (rem + L - 1) / L, r = rem >= 8 * L ? L : rem - (nv - 1) * L; \
        /* A partial last vector is loaded whole while the load stays inside A (csa >= m). */        \
        long safe = k;                                                                                \
        if (r < L) {                                                                                  \
          const long room = (long)(k - 1) * csa + m - i - nv * L; /* last row start that fits, x csa */ \
          safe = csa >= m && room >= 0 ? room / csa + 1 : 0;                                          \
        }                                                                                             \
        switch (nv) {                                                                                 \
          case 1: NAME##_cols(a + i, csa, x, y + i, k, 1, r, (int)safe); break;                       \
          case 2: NAME##_cols(a + i, csa, x, y + i, k, 2, r, (int)safe); break;                       \
          case 3: NAME##_cols(a + i, csa, x, y + i, k, 3, r, (int)safe); break;                       \
          case 4: NAME##_cols(a + i, csa, x, y + i, k, 4, r, (int)safe); break;                       \
          case 5: NAME##_cols(a + i, csa, x, y + i, k, 5, r, (int)safe); break;                       \
          case 6: NAME##_cols(a + i, csa, x, y + i, k, 6, r, (int)safe); break;                       \
          case 7: NAME##_cols(a + i, csa, x, y + i, k, 7, r, (int)safe); break;                       \
          default: NAME##_cols(a + i, csa, x, y + i, k, 8, r, (int)safe); break;                      \
        }                                                                                             \
      }                                                                                               \
      return;                                                                                         \
    }                                                                                                 \
    memset(y, 0, (unsigned long)m * sizeof(T));                                                       \
    for (int i = 0; i < m; i++)                                                                       \
      for (int p = 0; p < k; p++) y[i] += a[(long)i * rsa + (long)p * csa] * x[p];                    \
  }

DEFINE_MATVEC_COLS(matvec_rows_f32_cols, f32, 4, wasm_f32x4_splat, wasm_v128_load32_splat, wasm_f32x4_add, wasm_f32x4_mul)
DEFINE_MATVEC(matvec_rows_f32, f32, 4, wasm_f32x4_splat, wasm_v128_load32_splat, wasm_f32x4_add, wasm_f32x4_mul, wasm_f32x4_extract_lane)

/* float32 with contiguous rows: four rows at a time, their four partial sums reduced together. */
EXPORT(matvec_f32) void matvec_f32(const f32 *a, int rsa, int csa, const f32 *x, f32 *y, int m, int k) {
  if (csa != 1) {
    matvec_rows_f32(a, rsa, csa, x, y, m, k);
    return;
  }
  int k4 = k & ~3, i = 0;
  for (; i + 4 <= m; i += 4) {
    const f32 *r0 = a + (long)i * rsa, *r1 = r0 + rsa, *r2 = r1 + rsa, *r3 = r2 + rsa;
    v128_t s0 = wasm_f32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
    for (int p = 0; p < k4; p += 4) {
      v128_t xv = wasm_v128_load(x + p);
      s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(r0 + p), xv));
      s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(r1 + p), xv));
      s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(r2 + p), xv));
      s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(r3 + p), xv));
    }
    v128_t u = wasm_f32x4_add(wasm_i32x4_shuffle(s0, s1, 0, 4, 1, 5), wasm_i32x4_shuffle(s0, s1, 2, 6, 3, 7));
    v128_t v = wasm_f32x4_add(wasm_i32x4_shuffle(s2, s3, 0, 4, 1, 5), wasm_i32x4_shuffle(s2, s3, 2, 6, 3, 7));
    v128_t t = wasm_f32x4_add(wasm_i32x4_shuffle(u, v, 0, 1, 4, 5), wasm_i32x4_shuffle(u, v, 2, 3, 6, 7));
    f32 t0 = wasm_f32x4_extract_lane(t, 0), t1 = wasm_f32x4_extract_lane(t, 1), t2 = wasm_f32x4_extract_lane(t, 2), t3 = wasm_f32x4_extract_lane(t, 3);
    for (int p = k4; p < k; p++) {
      t0 += r0[p] * x[p];
      t1 += r1[p] * x[p];
      t2 += r2[p] * x[p];
      t3 += r3[p] * x[p];
    }
    y[i] = t0;
    y[i + 1] = t1;
    y[i + 2] = t2;
    y[i + 3] = t3;
  }
  if (i < m) matvec_rows_f32(a + (long)i * rsa, rsa, 1, x, y + i, m - i, k);
}
DEFINE_MATVEC_COLS(matvec_f64_cols, f64, 2, wasm_f64x2_splat, wasm_v128_load64_splat, wasm_f64x2_add, wasm_f64x2_mul)
DEFINE_MATVEC(matvec_f64, f64, 2, wasm_f64x2_splat, wasm_v128_load64_splat, wasm_f64x2_add, wasm_f64x2_mul, wasm_f64x2_extract_lane)
