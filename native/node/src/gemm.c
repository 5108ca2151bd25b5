/* The GEMM driver around the micro-kernels (isa/gemm_ukr.c), blocked for the caches in the usual
 * way: for each NC-wide block of columns and KC-deep slice of k, B's slice is packed into NR-wide
 * panels (shared by all threads), then each task packs an MC-tall block of A into MR-tall panels
 * (its own buffer, sized for L2) and runs the micro-kernel over the tiles of its block, B panel by
 * B panel (one B panel stays in L1 while the A panels stream past it). Tasks are the row blocks of C,
 * cut further by columns when there are fewer row blocks than threads, and are taken dynamically,
 * so a busy core slows a product down less. Packing reads any strides, so transposed operands cost
 * nothing extra, and pads the edges with zeros. */
#include <stdlib.h>
#include <string.h>
#include "kernels.h"
#include "pool.h"

#define KC 256
#define MC_ROWS 144      /* rounded down to a multiple of MR */
#define NC_COLS 2048     /* rounded down to a multiple of NR */
/* Products up to this many multiply-adds (with unit column strides) skip packing altogether. */
#define SMALL_MACS (32L * 32 * 32)
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

#define DEFINE_GEMM(T, SUF)                                                                                       \
  typedef struct {                                                                                                \
    const T *a, *b;                                                                                               \
    long rsa, csa, rsb, csb;                                                                                      \
    T *c;                                                                                                         \
    long ldc, m, nc, kc, jc, pc;                                                                                  \
    int acc, mr, nr, mc, jsplit;                                                                                  \
    long npanels;                                                                                                 \
    T *bp;                                                                                                        \
    void (*ukr)(long, const T *, const T *, T *, long, int, int, int);                                            \
    int oom;                                                                                                      \
  } job_##SUF;                                                                                                    \
                                                                                                                  \
  /* Packs B panels [p0, p1) of the current (pc, jc) slice. */                                                    \
  static void pack_b_##SUF(job_##SUF *j, long p0, long p1) {                                                      \
    const int nr = j->nr;                                                                                         \
    for (long jp = p0; jp < p1; jp++) {                                                                           \
      T *dst = j->bp + jp * nr * j->kc;                                                                           \
      const long j0 = jp * nr, cols = j->nc - j0 < nr ? j->nc - j0 : nr;                                          \
      const T *src = j->b + j->pc * j->rsb + (j->jc + j0) * j->csb;                                               \
      if (j->csb == 1 && cols == nr)                                                                              \
        for (long p = 0; p < j->kc; p++) memcpy(dst + p * nr, src + p * j->rsb, nr * sizeof(T));                  \
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
  /* Packs rows [i0, i0 + rows) of A's current k slice into MR-tall panels. */                                   \
  static void pack_a_##SUF(job_##SUF *j, T *ap, long i0, long rows) {                                             \
    const int mr = j->mr;                                                                                         \
    const long kc = j->kc;                                                                                        \
    for (long ip = 0; ip * mr < rows; ip++) {                                                                     \
      T *dst = ap + ip * mr * kc;                                                                                 \
      for (int r = 0; r < mr; r++) {                                                                              \
        const long i = ip * mr + r;                                                                               \
        if (i >= rows) {                                                                                          \
          for (long p = 0; p < kc; p++) dst[p * mr + r] = 0;                                                      \
          continue;                                                                                               \
        }                                                                                                         \
        const T *src = j->a + (i0 + i) * j->rsa + j->pc * j->csa;                                                 \
        if (j->csa == 1)                                                                                          \
          for (long p = 0; p < kc; p++) dst[p * mr + r] = src[p];                                                 \
        else                                                                                                      \
          for (long p = 0; p < kc; p++) dst[p * mr + r] = src[p * j->csa];                                        \
      }                                                                                                           \
    }                                                                                                             \
  }                                                                                                               \
                                                                                                                  \
  static void pack_b_task_##SUF(void *ctx, long t) {                                                              \
    job_##SUF *j = ctx;                                                                                           \
    const long per = 8;                                                                                           \
    long p0 = t * per, p1 = p0 + per < j->npanels ? p0 + per : j->npanels;                                        \
    pack_b_##SUF(j, p0, p1);                                                                                      \
  }                                                                                                               \
                                                                                                                  \
  static void compute_task_##SUF(void *ctx, long t) {                                                             \
    job_##SUF *j = ctx;                                                                                           \
    const long ib = t / j->jsplit, js = t % j->jsplit;                                                            \
    const long i0 = ib * j->mc, rows = j->m - i0 < j->mc ? j->m - i0 : j->mc;                                     \
    const long q0 = j->npanels * js / j->jsplit, q1 = j->npanels * (js + 1) / j->jsplit;                          \
    if (q0 >= q1) return;                                                                                         \
    const int mr = j->mr, nr = j->nr;                                                                             \
    T *ap = grow(&abuf, (size_t)(j->mc + mr) * KC * sizeof(T));                                                   \
    if (ap == NULL) {                                                                                             \
      j->oom = 1;                                                                                                 \
      return;                                                                                                     \
    }                                                                                                             \
    pack_a_##SUF(j, ap, i0, rows);                                                                                \
    for (long jp = q0; jp < q1; jp++) {                                                                           \
      const long j0 = jp * nr;                                                                                    \
      const int cols = (int)(j->nc - j0 < nr ? j->nc - j0 : nr);                                                  \
      const T *bpanel = j->bp + jp * nr * j->kc;                                                                  \
      T *cbase = j->c + i0 * j->ldc + j->jc + j0;                                                                 \
      for (long ip = 0; ip * mr < rows; ip++) {                                                                   \
        const int rr = (int)(rows - ip * mr < mr ? rows - ip * mr : mr);                                          \
        j->ukr(j->kc, ap + ip * mr * j->kc, bpanel, cbase + ip * mr * j->ldc, j->ldc, j->acc, rr, cols);          \
      }                                                                                                           \
    }                                                                                                             \
  }                                                                                                               \
                                                                                                                  \
  int gn_gemm_##SUF(long m, long n, long k, const T *a, long rsa, long csa, const T *b, long rsb, long csb, T *c, \
                     long ldc, int accumulate, int serial) {                                                      \
    if (m <= 0 || n <= 0) return 0;                                                                               \
    if (k <= 0) {                                                                                                 \
      if (!accumulate)                                                                                            \
        for (long i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(T));                              \
      return 0;                                                                                                   \
    }                                                                                                             \
    const gn_isa *isa = gn_isa_now;                                                                               \
    if (!accumulate && csa == 1 && csb == 1 && (double)m * n * k <= (double)SMALL_MACS) {                         \
      isa->small_##SUF(m, n, k, a, rsa, b, rsb, c, ldc);                                                          \
      return 0;                                                                                                   \
    }                                                                                                             \
    job_##SUF j = {.a = a, .b = b, .rsa = rsa, .csa = csa, .rsb = rsb, .csb = csb, .c = c, .ldc = ldc, .m = m};  \
    j.ukr = isa->ukr_##SUF;                                                                                       \
    j.mr = isa->mr_##SUF;                                                                                         \
    j.nr = isa->nr_##SUF;                                                                                         \
    j.mc = MC_ROWS / j.mr * j.mr;                                                                                 \
    const long NC = NC_COLS / j.nr * j.nr;                                                                        \
    int threads = serial || gn_in_parallel() || (double)m * n * k < (double)PARALLEL_MIN_MACS ? 1 : gn_threads(); \
    const long iblocks = (m + j.mc - 1) / j.mc;                                                                   \
    for (long jc = 0; jc < n; jc += NC) {                                                                         \
      j.jc = jc;                                                                                                  \
      j.nc = n - jc < NC ? n - jc : NC;                                                                           \
      j.npanels = (j.nc + j.nr - 1) / j.nr;                                                                       \
      j.jsplit = 1;                                                                                               \
      if (threads > 1 && iblocks < 2 * threads) {                                                                 \
        j.jsplit = (int)((2 * threads + iblocks - 1) / iblocks);                                                  \
        if (j.jsplit > j.npanels) j.jsplit = (int)j.npanels;                                                      \
      }                                                                                                           \
      T *bp = grow(&bbuf, (size_t)j.npanels * j.nr * KC * sizeof(T));                                             \
      if (bp == NULL) return -1;                                                                                  \
      j.bp = bp;                                                                                                  \
      for (long pc = 0; pc < k; pc += KC) {                                                                       \
        j.pc = pc;                                                                                                \
        j.kc = k - pc < KC ? k - pc : KC;                                                                         \
        j.acc = accumulate || pc > 0;                                                                             \
        if (threads > 1)                                                                                          \
          gn_parallel((j.npanels + 7) / 8, pack_b_task_##SUF, &j);                                                \
        else                                                                                                      \
          pack_b_##SUF(&j, 0, j.npanels);                                                                         \
        if (threads > 1)                                                                                          \
          gn_parallel(iblocks * j.jsplit, compute_task_##SUF, &j);                                                \
        else                                                                                                      \
          for (long t = 0; t < iblocks * j.jsplit; t++) compute_task_##SUF(&j, t);                                \
        if (j.oom) return -1;                                                                                     \
      }                                                                                                           \
    }                                                                                                             \
    return 0;                                                                                                     \
  }

DEFINE_GEMM(float, f32)
DEFINE_GEMM(double, f64)
