/* The three convolution primitives by im2col + GEMM, one image at a time, images spread over the
 * pool (each thread with its own column buffer and a serial GEMM):
 *   forward       y_img[O_g x P]      = W_g[O_g x CKK] col[CKK x P]
 *   grad input    dcol[CKK x P]       = W_g^T g_img[O_g x P], then col2im adds dcol into dx
 *   grad filter   dW_g[O_g x CKK]    += g_img[O_g x P] col^T   (per-thread partial sums, added in order)
 * where col holds, for every filter tap (c, a, b), the input values that tap meets at every output
 * position (zero where it falls into the padding). Output rows are processed in bands so that col
 * stays a few MiB however large the image. */
#include <stdlib.h>
#include <string.h>
#include "kernels.h"
#include "pool.h"

#define COL_LIMIT (1L << 20) /* elements of one column band */

/* Output positions [lo, hi) along one axis whose tap i * stride + off lies inside [0, size). */
static void tap_range(long off, long stride, long size, long out, long *lo, long *hi) {
  long l = off >= 0 ? 0 : (-off + stride - 1) / stride;
  long h = size - 1 - off < 0 ? 0 : (size - 1 - off) / stride + 1;
  if (h > out) h = out;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}

typedef struct {
  void *p;
  size_t bytes;
} cbuf_t;
static _Thread_local cbuf_t colbuf;

static void *col_space(size_t bytes) {
  if (colbuf.bytes >= bytes) return colbuf.p;
  free(colbuf.p);
  colbuf.p = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
  colbuf.bytes = colbuf.p ? (bytes + 63) & ~(size_t)63 : 0;
  return colbuf.p;
}

typedef struct {
  int dt, mode;
  void *x, *w, *y;
  const gn_conv_geom *g;
  long chunks;
  void *partial; /* grad filter: chunks x O x CKK */
  int oom;
} conv_t;

#define DEFINE_CONV(T, SUF)                                                                                  \
  /* col[(c KH + a) KW + b][(i - i0) OW + j] for output rows [i0, i1) of one group of one image. With stride  \
   * 1 and rows as wide as the input's (a 'same' convolution) a tap's rows are one shifted block of the input: \
   * one copy, then the few elements that wrapped across a row edge are zeroed. */                            \
  static void im2col_##SUF(const gn_conv_geom *g, const T *x, T *col, long i0, long i1) {                    \
    const long band = (i1 - i0) * g->ow;                                                                     \
    for (long c = 0; c < g->cg; c++)                                                                         \
      for (long a = 0; a < g->kh; a++)                                                                       \
        for (long b = 0; b < g->kw; b++) {                                                                   \
          T *dst = col + ((c * g->kh + a) * g->kw + b) * band;                                               \
          const long rowOff = a * g->dh - g->top, colOff = b * g->dw - g->left;                              \
          long j0, j1;                                                                                       \
          tap_range(colOff, g->sw, g->w, g->ow, &j0, &j1);                                                   \
          if (g->sh == 1 && g->sw == 1 && g->ow == g->w) {                                                   \
            long r0 = i0, r1 = i1; /* output rows whose input row exists */                                  \
            if (r0 + rowOff < 0) r0 = -rowOff;                                                               \
            if (r1 + rowOff > g->h) r1 = g->h - rowOff;                                                      \
            if (r1 < r0) r1 = r0;                                                                            \
            if (r0 > i0) memset(dst, 0, (size_t)(r0 - i0) * g->ow * sizeof(T));                              \
            if (r1 < i1) memset(dst + (r1 - i0) * g->ow, 0, (size_t)(i1 - r1) * g->ow * sizeof(T));          \
            if (r1 > r0) {                                                                                   \
              T *d = dst + (r0 - i0) * g->ow;                                                                \
              const T *s = x + (c * g->h + r0 + rowOff) * g->w + colOff;                                     \
              long len = (r1 - r0) * g->w, lo = 0, hi = len;                                                 \
              if (colOff < 0) lo = -colOff; /* before the image's first element */                          \
              if (colOff > 0) hi = len - colOff;                                                             \
              if (lo > 0) memset(d, 0, (size_t)lo * sizeof(T));                                              \
              if (hi < len) memset(d + hi, 0, (size_t)(len - hi) * sizeof(T));                               \
              if (hi > lo) memcpy(d + lo, s + lo, (size_t)(hi - lo) * sizeof(T));                            \
              for (long i = 0; i < r1 - r0; i++) {                                                           \
                T *row = d + i * g->ow;                                                                      \
                for (long j = 0; j < j0; j++) row[j] = 0;                                                    \
                for (long j = j1; j < g->ow; j++) row[j] = 0;                                                \
              }                                                                                              \
            }                                                                                                \
            continue;                                                                                        \
          }                                                                                                  \
          for (long i = i0; i < i1; i++, dst += g->ow) {                                                     \
            const long ih = i * g->sh + rowOff;                                                              \
            if (ih < 0 || ih >= g->h) {                                                                      \
              memset(dst, 0, (size_t)g->ow * sizeof(T));                                                     \
              continue;                                                                                      \
            }                                                                                                \
            const T *src = x + (c * g->h + ih) * g->w + colOff;                                              \
            for (long j = 0; j < j0; j++) dst[j] = 0;                                                        \
            if (g->sw == 1) memcpy(dst + j0, src + j0, (size_t)(j1 - j0) * sizeof(T));                       \
            else                                                                                             \
              for (long j = j0; j < j1; j++) dst[j] = src[j * g->sw];                                        \
            for (long j = j1; j < g->ow; j++) dst[j] = 0;                                                    \
          }                                                                                                  \
        }                                                                                                    \
  }                                                                                                          \
                                                                                                             \
  /* The transpose of im2col: adds col's band into x (one group of one image). */                            \
  static void col2im_##SUF(const gn_conv_geom *g, T *x, const T *col, long i0, long i1) {                    \
    const long band = (i1 - i0) * g->ow;                                                                     \
    for (long c = 0; c < g->cg; c++)                                                                         \
      for (long a = 0; a < g->kh; a++)                                                                       \
        for (long b = 0; b < g->kw; b++) {                                                                   \
          const T *src = col + ((c * g->kh + a) * g->kw + b) * band;                                         \
          const long rowOff = a * g->dh - g->top, colOff = b * g->dw - g->left;                              \
          long j0, j1;                                                                                       \
          tap_range(colOff, g->sw, g->w, g->ow, &j0, &j1);                                                   \
          for (long i = i0; i < i1; i++, src += g->ow) {                                                     \
            const long ih = i * g->sh + rowOff;                                                              \
            if (ih < 0 || ih >= g->h) continue;                                                              \
            T *dst = x + (c * g->h + ih) * g->w + colOff;                                                    \
            if (g->sw == 1)                                                                                  \
              for (long j = j0; j < j1; j++) dst[j] += src[j];                                               \
            else                                                                                             \
              for (long j = j0; j < j1; j++) dst[j * g->sw] += src[j];                                       \
          }                                                                                                  \
        }                                                                                                    \
  }                                                                                                          \
                                                                                                             \
  /* One image (or, for grad filter, a chunk of images) for every group. */                                  \
  static void conv_task_##SUF(void *ctx, long t) {                                                           \
    conv_t *cv = ctx;                                                                                        \
    const gn_conv_geom *g = cv->g;                                                                           \
    const long ckk = g->cg * g->kh * g->kw, og = g->o / g->groups, P = g->oh * g->ow;                        \
    const long HW = g->h * g->w;                                                                             \
    long rowsPerBand = COL_LIMIT / (ckk * g->ow > 0 ? ckk * g->ow : 1);                                      \
    if (rowsPerBand < 1) rowsPerBand = 1;                                                                    \
    if (rowsPerBand > g->oh) rowsPerBand = g->oh;                                                            \
    T *col = col_space((size_t)ckk * rowsPerBand * g->ow * sizeof(T));                                       \
    if (col == NULL && ckk * g->ow > 0) {                                                                    \
      cv->oom = 1;                                                                                           \
      return;                                                                                                \
    }                                                                                                        \
    long n0 = t, n1 = t + 1;                                                                                 \
    T *dw = NULL;                                                                                            \
    if (cv->mode == CONV_GRAD_FILTER) {                                                                      \
      n0 = g->n * t / cv->chunks;                                                                            \
      n1 = g->n * (t + 1) / cv->chunks;                                                                      \
      dw = cv->chunks == 1 ? (T *)cv->w : (T *)cv->partial + t * g->o * ckk;                                 \
      memset(dw, 0, (size_t)g->o * ckk * sizeof(T));                                                         \
    }                                                                                                        \
    for (long nb = n0; nb < n1; nb++)                                                                        \
      for (long gr = 0; gr < g->groups; gr++) {                                                              \
        T *xg = (T *)cv->x + (nb * g->c + gr * g->cg) * HW;                                                  \
        T *yg = (T *)cv->y + (nb * g->o + gr * og) * P;                                                      \
        T *wg = (T *)cv->w + gr * og * ckk;                                                                  \
        if (cv->mode == CONV_GRAD_INPUT) memset(xg, 0, (size_t)g->cg * HW * sizeof(T));                      \
        for (long i0 = 0; i0 < g->oh; i0 += rowsPerBand) {                                                   \
          const long i1 = i0 + rowsPerBand < g->oh ? i0 + rowsPerBand : g->oh;                               \
          const long band = (i1 - i0) * g->ow;                                                               \
          if (cv->mode == CONV_FORWARD) {                                                                    \
            im2col_##SUF(g, xg, col, i0, i1);                                                                \
            gn_gemm_##SUF(og, band, ckk, wg, ckk, 1, col, band, 1, yg + i0 * g->ow, P, 0, 1);                \
          } else if (cv->mode == CONV_GRAD_INPUT) {                                                          \
            gn_gemm_##SUF(ckk, band, og, wg, 1, ckk, yg + i0 * g->ow, P, 1, col, band, 0, 1);                \
            col2im_##SUF(g, xg, col, i0, i1);                                                                \
          } else {                                                                                           \
            im2col_##SUF(g, xg, col, i0, i1);                                                                \
            gn_gemm_##SUF(og, ckk, band, yg + i0 * g->ow, P, 1, col, 1, band, dw + gr * og * ckk, ckk, 1, 1); \
          }                                                                                                  \
        }                                                                                                    \
      }                                                                                                      \
  }

DEFINE_CONV(float, f32)
DEFINE_CONV(double, f64)

int gn_conv2d(int dt, int mode, void *x, void *w, void *y, const gn_conv_geom *g) {
  conv_t cv = {.dt = dt, .mode = mode, .x = x, .w = w, .y = y, .g = g, .chunks = 1};
  const size_t es = dt == GN_F32 ? 4 : 8;
  const long ckk = g->cg * g->kh * g->kw;
  const long threads = gn_in_parallel() ? 1 : gn_threads();
  const double work = (double)g->n * g->o * ckk * g->oh * g->ow;
  const int parallel = threads > 1 && work >= (double)(1L << 20);
  gn_task task = dt == GN_F32 ? conv_task_f32 : conv_task_f64;
  if (mode == CONV_GRAD_FILTER) {
    if (g->n == 0) {
      memset(w, 0, (size_t)g->o * ckk * es);
      return 0;
    }
    cv.chunks = parallel ? (g->n < threads ? g->n : threads) : 1;
    if (cv.chunks > 1) {
      cv.partial = malloc((size_t)cv.chunks * g->o * ckk * es);
      if (cv.partial == NULL) return -1;
    }
    gn_parallel(cv.chunks, task, &cv);
    if (cv.chunks > 1) {
      const long len = g->o * ckk;
      for (long i = 0; i < len; i++) {
        if (dt == GN_F32) {
          float s = 0;
          for (long t = 0; t < cv.chunks; t++) s += ((float *)cv.partial)[t * len + i];
          ((float *)w)[i] = s;
        } else {
          double s = 0;
          for (long t = 0; t < cv.chunks; t++) s += ((double *)cv.partial)[t * len + i];
          ((double *)w)[i] = s;
        }
      }
      free(cv.partial);
    }
  } else if (parallel) {
    gn_parallel(g->n, task, &cv);
  } else {
    for (long nb = 0; nb < g->n; nb++) task(&cv, nb);
  }
  return cv.oom ? -1 : 0;
}
