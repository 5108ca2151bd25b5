/* The GEMM driver around the micro-kernels (isa/gemm_ukr.c), blocked for the caches in the usual
 * way (block sizes chosen by measurement: a sweep of KC and MC on two AVX-512 cores). For each NC-wide
 * block of columns and each slice of k (about KC deep: k is cut into equal
 * slices), B's slice is packed into NR-wide panels and up to MB rows of A's slice into MR-tall
 * panels, both shared by all threads and packed by them together. Then tasks, each a block of C of
 * at most MC rows by some panels of columns, run the micro-kernel tile by tile: B panel by B panel,
 * so one B panel stays in L1 while the block's A panels (in L2) stream past it. There are a few
 * tasks per thread, taken dynamically, so a busy core slows a product down less. Packing reads any
 * strides, so transposed operands cost nothing extra, and pads the edges with zeros. */
#include <stdlib.h>
#include <string.h>
#include "kernels.h"
#include "pool.h"
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#ifndef KC
#define KC 384 /* target depth of a k slice */
#endif
#ifndef MC_ROWS
#define MC_ROWS 96 /* rows of C per task at most (rounded down to a multiple of MR) */
#endif
#define ONE_BLOCK_ROWS 144 /* up to this many rows (a training batch) stay one block, split by columns */
#define MB_ROWS 1536     /* rows of A packed at once */
#define NC_COLS 2048     /* columns of B packed at once (rounded down to a multiple of NR) */
#define PACK_GROUP 8     /* panels per packing task */
/* Products up to this many multiply-adds (with unit column strides), or with at most 16 rows and a
 * short k, skip packing altogether. */
#define SMALL_MACS (32L * 32 * 32)
/* Products A B^T with rows of both contiguous run as dot products when the result would fill less than a
 * quarter of the micro-kernel's tiles (or is one column: a matrix-vector product). */
/* Products below this many multiply-adds run on the calling thread: waking the pool costs more. */
#define PARALLEL_MIN_MACS (1L << 20)

/* Per-thread packing buffers, grown on demand and kept (64-byte aligned). */
typedef struct {
  void *p;
  size_t bytes;
} buf_t;
static _Thread_local buf_t abuf, bbuf;

static void *grow(buf_t *b, size_t bytes) {
  if (b->bytes >= bytes) return b->p;
  free(b->p);
  size_t rounded = (bytes + 63) & ~(size_t)63;
  b->p = aligned_alloc(64, rounded);
  b->bytes = b->p ? rounded : 0;
  return b->p;
}

/* A full float32 panel of a transposed B (columns contiguous along k): dst[p nr + c] = src[c csb + p],
 * 4 x 4 blocks at a time through registers (SSE2), so that both the reads and the writes are runs. */
static void pack_bt_f32(float *dst, const float *src, long csb, long kc, int nr) {
  long p = 0;
#if defined(__SSE2__)
  for (; p + 4 <= kc; p += 4)
    for (int c = 0; c < nr; c += 4) {
      const float *s = src + c * csb + p;
      __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + csb), r2 = _mm_loadu_ps(s + 2 * csb), r3 = _mm_loadu_ps(s + 3 * csb);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      float *d = dst + p * nr + c;
      _mm_storeu_ps(d, r0);
      _mm_storeu_ps(d + nr, r1);
      _mm_storeu_ps(d + 2 * nr, r2);
      _mm_storeu_ps(d + 3 * nr, r3);
    }
#endif
  for (; p < kc; p++)
    for (int c = 0; c < nr; c++) dst[p * nr + c] = src[c * csb + p];
}

#define DEFINE_GEMM(T, SUF)                                                                                       \
  typedef struct {                                                                                                \
    const T *a, *b;                                                                                               \
    long rsa, csa, rsb, csb;                                                                                      \
    T *c;                                                                                                         \
    long ldc, m, nc, kc, jc, pc, ic, mb;                                                                          \
    int acc, mr, nr, mcp, packb, owna;                                                                            \
    long kcmax;                                                                                                   \
    long npanels, mpanels, bgroups, agroups, colblocks;                                                           \
    T *ap, *bp;                                                                                                   \
    void (*ukr)(long, const T *, const T *, T *, long, int, int, int);                                            \
    int oom;                                                                                                      \
  } job_##SUF;                                                                                                    \
                                                                                                                  \
  /* Packs B panels [p0, p1) of the current (pc, jc) slice, k-major, zero-padded. */                              \
  static void pack_b_##SUF(job_##SUF *j, long p0, long p1) {                                                      \
    const int nr = j->nr;                                                                                         \
    for (long jp = p0; jp < p1; jp++) {                                                                           \
      T *dst = j->bp + jp * nr * j->kc;                                                                           \
      const long j0 = jp * nr, cols = j->nc - j0 < nr ? j->nc - j0 : nr;                                          \
      const T *src = j->b + j->pc * j->rsb + (j->jc + j0) * j->csb;                                               \
      if (j->csb == 1 && cols == nr)                                                                              \
        switch (nr) { /* constant sizes: the compiler inlines the copies as vector moves */                      \
          case 8: for (long p = 0; p < j->kc; p++) memcpy(dst + p * 8, src + p * j->rsb, 8 * sizeof(T)); break;   \
          case 16: for (long p = 0; p < j->kc; p++) memcpy(dst + p * 16, src + p * j->rsb, 16 * sizeof(T)); break; \
          case 32: for (long p = 0; p < j->kc; p++) memcpy(dst + p * 32, src + p * j->rsb, 32 * sizeof(T)); break; \
          default: for (long p = 0; p < j->kc; p++) memcpy(dst + p * nr, src + p * j->rsb, nr * sizeof(T));      \
        }                                                                                                         \
      else if (j->rsb == 1 && cols == nr && sizeof(T) == 4 && nr % 4 == 0)                                       \
        pack_bt_f32((float *)dst, (const float *)src, j->csb, j->kc, nr);                                         \
      else if (j->rsb == 1) /* B's columns run along k (a transposed operand): read them contiguously */          \
        for (long c = 0; c < nr; c++) {                                                                           \
          T *d = dst + c;                                                                                         \
          if (c < cols) {                                                                                         \
            const T *s = src + c * j->csb;                                                                        \
            for (long p = 0; p < j->kc; p++) d[p * nr] = s[p];                                                    \
          } else                                                                                                  \
            for (long p = 0; p < j->kc; p++) d[p * nr] = 0;                                                       \
        }                                                                                                         \
      else                                                                                                        \
        for (long p = 0; p < j->kc; p++) {                                                                        \
          const T *s = src + p * j->rsb;                                                                          \
          T *d = dst + p * nr;                                                                                    \
          long c = 0;                                                                                             \
          for (; c < cols; c++) d[c] = s[c * j->csb];                                                             \
          for (; c < nr; c++) d[c] = 0;                                                                           \
        }                                                                                                         \
    }                                                                                                             \
  }                                                                                                               \
                                                                                                                  \
  /* Packs A panels [p0, p1) of the current row chunk and k slice into dst (panel p0 first), k-major, zero-padded. */ \
  static void pack_a_##SUF(job_##SUF *j, T *to, long p0, long p1) {                                               \
    const int mr = j->mr;                                                                                         \
    const long kc = j->kc;                                                                                        \
    for (long ip = p0; ip < p1; ip++) {                                                                           \
      T *dst = to + (ip - p0) * mr * kc;                                                                          \
      const long i0 = ip * mr;                                                                                    \
      if (j->rsa == 1 && i0 + mr <= j->mb) { /* A's columns contiguous (a transposed operand): copy them */     \
        const T *src = j->a + j->ic + i0 + j->pc * j->csa;                                                        \
        for (long p = 0; p < kc; p++) memcpy(dst + p * mr, src + p * j->csa, (size_t)mr * sizeof(T));             \
        continue;                                                                                                 \
      }                                                                                                           \
      for (int r = 0; r < mr; r++) {                                                                              \
        const long i = ip * mr + r;                                                                               \
        if (i >= j->mb) {                                                                                         \
          for (long p = 0; p < kc; p++) dst[p * mr + r] = 0;                                                      \
          continue;                                                                                               \
        }                                                                                                         \
        const T *src = j->a + (j->ic + i) * j->rsa + j->pc * j->csa;                                              \
        if (j->csa == 1)                                                                                          \
          for (long p = 0; p < kc; p++) dst[p * mr + r] = src[p];                                                 \
        else                                                                                                      \
          for (long p = 0; p < kc; p++) dst[p * mr + r] = src[p * j->csa];                                        \
      }                                                                                                           \
    }                                                                                                             \
  }                                                                                                               \
                                                                                                                  \
  /* Task t < bgroups packs a group of B panels (when B needs packing), the rest groups of A panels. */          \
  static void pack_task_##SUF(void *ctx, long t) {                                                                \
    job_##SUF *j = ctx;                                                                                           \
    if (j->packb) {                                                                                               \
      if (t < j->bgroups) {                                                                                       \
        const long p0 = t * PACK_GROUP, p1 = p0 + PACK_GROUP < j->npanels ? p0 + PACK_GROUP : j->npanels;         \
        pack_b_##SUF(j, p0, p1);                                                                                  \
        return;                                                                                                   \
      }                                                                                                           \
      t -= j->bgroups;                                                                                            \
    }                                                                                                             \
    const long p0 = t * PACK_GROUP, p1 = p0 + PACK_GROUP < j->mpanels ? p0 + PACK_GROUP : j->mpanels;             \
    pack_a_##SUF(j, j->ap + p0 * j->mr * j->kc, p0, p1);                                                          \
  }                                                                                                               \
                                                                                                                  \
  /* Task t: rows block t / colblocks (mcp A panels), column block t % colblocks (some B panels). */             \
  static void compute_task_##SUF(void *ctx, long t) {                                                             \
    job_##SUF *j = ctx;                                                                                           \
    const long rb = t / j->colblocks, cb = t % j->colblocks;                                                      \
    const long r0 = rb * j->mcp, r1 = r0 + j->mcp < j->mpanels ? r0 + j->mcp : j->mpanels;                        \
    const long q0 = j->npanels * cb / j->colblocks, q1 = j->npanels * (cb + 1) / j->colblocks;                    \
    const int mr = j->mr, nr = j->nr;                                                                             \
    const T *ap = j->ap + r0 * mr * j->kc;                                                                        \
    if (j->owna) {                                                                                                \
      /* Rows of this block only, packed by this thread into its own buffer: they are then hot in its L2. */      \
      T *own = grow(&abuf, (size_t)j->mcp * mr * j->kcmax * sizeof(T));                                           \
      if (own == NULL) {                                                                                          \
        j->oom = 1;                                                                                               \
        return;                                                                                                   \
      }                                                                                                           \
      pack_a_##SUF(j, own, r0, r1);                                                                               \
      ap = own;                                                                                                   \
    }                                                                                                             \
    for (long jp = q0; jp < q1; jp++) {                                                                           \
      const long j0 = jp * nr;                                                                                    \
      const int cols = (int)(j->nc - j0 < nr ? j->nc - j0 : nr);                                                  \
      const T *bpanel = j->bp + jp * nr * j->kc;                                                                  \
      T *cbase = j->c + j->ic * j->ldc + j->jc + j0;                                                              \
      for (long ip = r0; ip < r1; ip++) {                                                                         \
        const int rows = (int)(j->mb - ip * mr < mr ? j->mb - ip * mr : mr);                                      \
        j->ukr(j->kc, ap + (ip - r0) * mr * j->kc, bpanel, cbase + ip * mr * j->ldc, j->ldc, j->acc, rows, cols); \
      }                                                                                                           \
    }                                                                                                             \
  }                                                                                                               \
                                                                                                                  \
  int gn_gemm_##SUF(long m, long n, long k, const T *a, long rsa, long csa, const T *b, long rsb, long csb, T *c,  \
                    long ldc, int accumulate, int serial) {                                                       \
    if (m <= 0 || n <= 0) return 0;                                                                               \
    if (k <= 0) {                                                                                                 \
      if (!accumulate)                                                                                            \
        for (long i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(T));                              \
      return 0;                                                                                                   \
    }                                                                                                             \
    const gn_isa *isa = gn_isa_now;                                                                               \
    if (n == 1 && csa == 1 && rsb == 1) { /* a matrix-vector product */                                      \
      isa->gemv_##SUF(m, k, a, rsa, b, c, ldc, accumulate);                                                       \
      return 0;                                                                                                   \
    }                                                                                                             \
    if (n == 1 && rsa == 1 && ldc == 1) { /* A^T x with A's transpose stored row-major (a lazy transpose) */       \
      isa->gemvt_##SUF(m, k, a, csa, b, rsb, c, accumulate);                                                      \
      return 0;                                                                                                   \
    }                                                                                                             \
    if (m == 1 && csb == 1) { /* a row times a matrix: x^T B, rows of B contiguous */                            \
      isa->gemvt_##SUF(n, k, b, rsb, a, csa, c, accumulate);                                                      \
      return 0;                                                                                                   \
    }                                                                                                             \
    if (csa == 1 && rsb == 1 && k >= 16 && (n == 1 || 4 * m * n < ((m + isa->mr_##SUF - 1) / isa->mr_##SUF) * isa->mr_##SUF * ((n + isa->nr_##SUF - 1) / isa->nr_##SUF) * isa->nr_##SUF)) { \
      isa->dots_##SUF(m, n, k, a, rsa, b, csb, c, ldc, accumulate);                                               \
      return 0;                                                                                                   \
    }                                                                                                             \
    if (!accumulate && csa == 1 && csb == 1 && ((double)m * n * k <= (double)SMALL_MACS || (m <= 16 && k <= 64))) { \
      isa->small_##SUF(m, n, k, a, rsa, b, rsb, c, ldc);                                                          \
      return 0;                                                                                                   \
    }                                                                                                             \
    job_##SUF j = {.a = a, .b = b, .rsa = rsa, .csa = csa, .rsb = rsb, .csb = csb, .c = c, .ldc = ldc, .m = m};  \
    j.ukr = isa->ukr_##SUF;                                                                                       \
    j.mr = isa->mr_##SUF;                                                                                         \
    j.nr = isa->nr_##SUF;                                                                                         \
    j.mcp = MC_ROWS / j.mr;                                                                                       \
    const long NC = NC_COLS / j.nr * j.nr;                                                                        \
    const long slices = (k + KC - 1) / KC, kcmax = (k + slices - 1) / slices;                                     \
    const long mbmax = m < MB_ROWS ? m : MB_ROWS;                                                                 \
    const int threads = serial || gn_in_parallel() || (double)m * n * k < (double)PARALLEL_MIN_MACS ? 1 : gn_threads(); \
    j.kcmax = kcmax;                                                                                              \
    /* Row blocks of equal size, as many as a multiple of the threads, so that no thread waits on a short last    \
     * block. Many blocks: each task packs its own rows (hot in its cache). Few: A is packed once, shared. */     \
    const long panelsmax = (mbmax + j.mr - 1) / j.mr;                                                             \
    long blocksmax = panelsmax <= ONE_BLOCK_ROWS / j.mr ? 1 : (panelsmax + j.mcp - 1) / j.mcp;                    \
    if (threads > 1 && blocksmax >= threads) blocksmax = (blocksmax + threads - 1) / threads * threads;          \
    j.mcp = (int)((panelsmax + blocksmax - 1) / blocksmax);                                                       \
    j.owna = threads == 1 || blocksmax >= 2 * threads;                                                            \
    T *ap = grow(&abuf, (size_t)(j.owna ? j.mcp : (mbmax + j.mr - 1) / j.mr) * j.mr * kcmax * sizeof(T));        \
    T *bp = grow(&bbuf, (size_t)((n < NC ? n : NC) + j.nr - 1) / j.nr * j.nr * kcmax * sizeof(T));                \
    if (ap == NULL || bp == NULL) return -1;                                                                      \
    j.ap = ap;                                                                                                    \
    j.bp = bp;                                                                                                    \
    for (long jc = 0; jc < n; jc += NC) {                                                                         \
      j.jc = jc;                                                                                                  \
      j.nc = n - jc < NC ? n - jc : NC;                                                                           \
      j.npanels = (j.nc + j.nr - 1) / j.nr;                                                                       \
      j.bgroups = (j.npanels + PACK_GROUP - 1) / PACK_GROUP;                                                      \
      for (long pc = 0; pc < k; pc += kcmax) {                                                                    \
        j.pc = pc;                                                                                                \
        j.kc = k - pc < kcmax ? k - pc : kcmax;                                                                   \
        j.acc = accumulate || pc > 0;                                                                             \
        for (long ic = 0; ic < m; ic += MB_ROWS) {                                                                \
          j.ic = ic;                                                                                              \
          j.mb = m - ic < MB_ROWS ? m - ic : MB_ROWS;                                                             \
          j.mpanels = (j.mb + j.mr - 1) / j.mr;                                                                   \
          j.agroups = (j.mpanels + PACK_GROUP - 1) / PACK_GROUP;                                                  \
          j.packb = ic == 0;                                                                                      \
          const long rowblocks = (j.mpanels + j.mcp - 1) / j.mcp;                                                 \
          j.colblocks = 1;                                                                                        \
          if (threads > 1 && !j.owna) {                                                                           \
            j.colblocks = (4 * threads + rowblocks - 1) / rowblocks;                                              \
            if (j.colblocks > j.npanels) j.colblocks = j.npanels;                                                 \
          }                                                                                                       \
          const long packs = (j.packb ? j.bgroups : 0) + (j.owna ? 0 : j.agroups), tasks = rowblocks * j.colblocks; \
          if (threads > 1) {                                                                                      \
            gn_parallel(packs, pack_task_##SUF, &j);                                                              \
            gn_parallel(tasks, compute_task_##SUF, &j);                                                           \
          } else {                                                                                                \
            for (long t = 0; t < packs; t++) pack_task_##SUF(&j, t);                                              \
            for (long t = 0; t < tasks; t++) compute_task_##SUF(&j, t);                                           \
          }                                                                                                       \
          if (j.oom) return -1;                                                                                   \
        }                                                                                                         \
      }                                                                                                           \
    }                                                                                                             \
    return 0;                                                                                                     \
  }

DEFINE_GEMM(float, f32)
DEFINE_GEMM(double, f64)
