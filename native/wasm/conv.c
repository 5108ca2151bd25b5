/* Convolution helpers: im2col / col2im (the GEMMs run in matmul.c), the max-pool window argmax, and
 * the gathers along an axis that max pooling and losses use. Shapes are NCHW; one image and one
 * channel group per call: the caller loops over the batch and the groups.
 *
 * col has rows (c, a, b) for c < C, a < KH, b < KW and columns (i, j) for i < OH, j < OW:
 *   col[(c KH + a) KW + b][i OW + j] = x[c][i sh - top + a dh][j sw - left + b dw]  (0 outside x). */
#include "common.h"

/* The output columns j in [*lo, *hi) whose tap j sw + x0 lies inside [0, W). */
INLINE void valid_range(int x0, int sw, int W, int OW, int *lo, int *hi) {
  int l = x0 >= 0 ? 0 : (-x0 + sw - 1) / sw;
  int h = W - 1 - x0 < 0 ? 0 : (W - 1 - x0) / sw + 1;
  if (h > OW) h = OW;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}

#define DEFINE_IM2COL(NAME, T)                                                                        \
  EXPORT(NAME) void NAME(const T *x, int C, int H, int W, int KH, int KW, int sh, int sw, int top, int left, \
                         int dh, int dw, int OH, int OW, T *col) {                                    \
    for (int c = 0; c < C; c++)                                                                       \
      for (int a = 0; a < KH; a++)                                                                    \
        for (int b = 0; b < KW; b++) {                                                                \
          T *row = col + ((long)(c * KH + a) * KW + b) * OH * OW;                                     \
          const T *plane = x + (long)c * H * W;                                                       \
          int x0 = b * dw - left, lo, hi;                                                             \
          valid_range(x0, sw, W, OW, &lo, &hi);                                                       \
          for (int i = 0; i < OH; i++) {                                                              \
            int y = i * sh - top + a * dh;                                                            \
            T *out = row + (long)i * OW;                                                              \
            if (y < 0 || y >= H) {                                                                    \
              memset(out, 0, (unsigned long)OW * sizeof(T));                                          \
              continue;                                                                               \
            }                                                                                         \
            const T *src = plane + (long)y * W + x0;                                                  \
            for (int j = 0; j < lo; j++) out[j] = 0;                                                  \
            if (sw == 1) memcpy(out + lo, src + lo, (unsigned long)(hi - lo) * sizeof(T));            \
            else                                                                                      \
              for (int j = lo; j < hi; j++) out[j] = src[(long)j * sw];                               \
            for (int j = hi; j < OW; j++) out[j] = 0;                                                 \
          }                                                                                           \
        }                                                                                             \
  }

DEFINE_IM2COL(im2col_f32, f32)
DEFINE_IM2COL(im2col_f64, f64)

/* The transpose of im2col: adds every col entry into the x position it was read from (x must start zeroed). */
#define DEFINE_COL2IM(NAME, T)                                                                        \
  EXPORT(NAME) void NAME(const T *col, int C, int H, int W, int KH, int KW, int sh, int sw, int top, int left, \
                         int dh, int dw, int OH, int OW, T *x) {                                      \
    for (int c = 0; c < C; c++)                                                                       \
      for (int a = 0; a < KH; a++)                                                                    \
        for (int b = 0; b < KW; b++) {                                                                \
          const T *row = col + ((long)(c * KH + a) * KW + b) * OH * OW;                               \
          T *plane = x + (long)c * H * W;                                                             \
          int x0 = b * dw - left, lo, hi;                                                             \
          valid_range(x0, sw, W, OW, &lo, &hi);                                                       \
          for (int i = 0; i < OH; i++) {                                                              \
            int y = i * sh - top + a * dh;                                                            \
            if (y < 0 || y >= H) continue;                                                            \
            const T *in = row + (long)i * OW;                                                         \
            T *dst = plane + (long)y * W + x0;                                                        \
            if (sw == 1)                                                                              \
              for (int j = lo; j < hi; j++) dst[j] += in[j];                                          \
            else                                                                                      \
              for (int j = lo; j < hi; j++) dst[(long)j * sw] += in[j];                               \
          }                                                                                           \
        }                                                                                             \
  }

DEFINE_COL2IM(col2im_f32, f32)
DEFINE_COL2IM(col2im_f64, f64)

/* For each window, the offset (within its H x W plane) of its largest value; the first NaN wins, and
 * ties go to the first position in row-major window order (the reference's rule). */
#define DEFINE_POOL_ARGMAX(NAME, T)                                                                   \
  EXPORT(NAME) void NAME(const T *x, int planes, int H, int W, int KH, int KW, int sh, int sw, int dh, int dw, \
                         int OH, int OW, i32 *out) {                                                  \
    for (int p = 0; p < planes; p++) {                                                                \
      const T *base = x + (long)p * H * W;                                                            \
      for (int i = 0; i < OH; i++)                                                                    \
        for (int j = 0; j < OW; j++) {                                                                \
          int best = -1;                                                                              \
          T bv = 0;                                                                                   \
          for (int a = 0; a < KH; a++) {                                                              \
            int b = 0;                                                                                \
            for (; b < KW; b++) {                                                                     \
              int at = (i * sh + a * dh) * W + j * sw + b * dw;                                       \
              T v = base[at];                                                                         \
              if (best < 0 || v > bv || v != v) {                                                     \
                best = at;                                                                            \
                bv = v;                                                                               \
                if (v != v) break;                                                                    \
              }                                                                                       \
            }                                                                                         \
            if (b < KW) break;                                                                        \
          }                                                                                           \
          *out++ = best;                                                                              \
        }                                                                                             \
    }                                                                                                 \
  }

DEFINE_POOL_ARGMAX(pool_argmax_generic_f32, f32)
DEFINE_POOL_ARGMAX(pool_argmax_f64, f64)

/* The common 2x2 window with stride 2: four output windows per step. Candidates are compared in
 * window order (top-left, top-right, bottom-left, bottom-right); a later one wins when it is larger,
 * or NaN while the best is not (so the first NaN wins), as in the scalar rule. */
static void pool2x2_f32(const f32 *x, int planes, int H, int W, int OH, int OW, i32 *out) {
  for (int p = 0; p < planes; p++) {
    const f32 *base = x + (long)p * H * W;
    for (int i = 0; i < OH; i++) {
      const f32 *r0 = base + (long)(2 * i) * W, *r1 = r0 + W;
      int j = 0;
      for (; j + 4 <= OW; j += 4) {
        v128_t u0 = wasm_v128_load(r0 + 2 * j), u1 = wasm_v128_load(r0 + 2 * j + 4);
        v128_t w0 = wasm_v128_load(r1 + 2 * j), w1 = wasm_v128_load(r1 + 2 * j + 4);
        v128_t cand[4] = {wasm_i32x4_shuffle(u0, u1, 0, 2, 4, 6), wasm_i32x4_shuffle(u0, u1, 1, 3, 5, 7),
                          wasm_i32x4_shuffle(w0, w1, 0, 2, 4, 6), wasm_i32x4_shuffle(w0, w1, 1, 3, 5, 7)};
        v128_t best = cand[0];
        v128_t at = wasm_i32x4_splat(0);
        const int off[4] = {0, 1, W, W + 1};
        for (int q = 1; q < 4; q++) {
          v128_t v = cand[q];
          v128_t take = wasm_v128_or(wasm_f32x4_gt(v, best), wasm_v128_and(wasm_f32x4_ne(v, v), wasm_f32x4_eq(best, best)));
          best = wasm_v128_bitselect(v, best, take);
          at = wasm_v128_bitselect(wasm_i32x4_splat(off[q]), at, take);
        }
        v128_t pos = wasm_i32x4_add(wasm_i32x4_make(2 * j, 2 * j + 2, 2 * j + 4, 2 * j + 6), wasm_i32x4_splat(2 * i * W));
        wasm_v128_store(out + (long)i * OW + j, wasm_i32x4_add(pos, at));
      }
      for (; j < OW; j++) {
        const int off[4] = {0, 1, W, W + 1};
        int bi = 2 * i * W + 2 * j;
        f32 bv = base[bi];
        for (int q = 1; q < 4 && bv == bv; q++) {
          f32 v = base[2 * i * W + 2 * j + off[q]];
          if (v > bv || v != v) {
            bv = v;
            bi = 2 * i * W + 2 * j + off[q];
          }
        }
        out[(long)i * OW + j] = bi;
      }
    }
    out += (long)OH * OW;
  }
}

EXPORT(pool_argmax_f32) void pool_argmax_f32(const f32 *x, int planes, int H, int W, int KH, int KW, int sh, int sw, int dh, int dw,
                                              int OH, int OW, i32 *out) {
  if (KH == 2 && KW == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1) pool2x2_f32(x, planes, H, W, OH, OW, out);
  else pool_argmax_generic_f32(x, planes, H, W, KH, KW, sh, sw, dh, dw, OH, OW, out);
}

/* out[o, k, i] = x[o, idx[o, k, i], i] for x [outer, n, inner] and idx [outer, m, inner]. Returns 0,
 * or 1 when an index is out of range (the caller then reruns the reference kernel for its error). */
#define DEFINE_TAKE_ALONG(NAME, T)                                                                    \
  EXPORT(NAME) int NAME(const T *x, const i32 *idx, T *out, int outer, int n, int m, int inner) {     \
    for (int o = 0; o < outer; o++)                                                                   \
      for (int k = 0; k < m; k++) {                                                                   \
        long q = ((long)o * m + k) * inner;                                                           \
        for (int i = 0; i < inner; i++) {                                                             \
          int j = idx[q + i];                                                                         \
          if (j < 0) j += n;                                                                          \
          if (j < 0 || j >= n) return 1;                                                              \
          out[q + i] = x[((long)o * n + j) * inner + i];                                              \
        }                                                                                             \
      }                                                                                               \
    return 0;                                                                                         \
  }

DEFINE_TAKE_ALONG(take_along_w4, i32)
DEFINE_TAKE_ALONG(take_along_w8, f64)

/* The transpose: y [outer, n, inner] (zeroed here) gets upd[o, k, i] added at idx[o, k, i]. */
#define DEFINE_SCATTER_ALONG(NAME, T)                                                                 \
  EXPORT(NAME) int NAME(const i32 *idx, const T *upd, T *y, int outer, int n, int m, int inner) {     \
    memset(y, 0, (unsigned long)outer * n * inner * sizeof(T));                                       \
    for (int o = 0; o < outer; o++)                                                                   \
      for (int k = 0; k < m; k++) {                                                                   \
        long q = ((long)o * m + k) * inner;                                                           \
        for (int i = 0; i < inner; i++) {                                                             \
          int j = idx[q + i];                                                                         \
          if (j < 0) j += n;                                                                          \
          if (j < 0 || j >= n) return 1;                                                              \
          y[((long)o * n + j) * inner + i] += upd[q + i];                                             \
        }                                                                                             \
      }                                                                                               \
    return 0;                                                                                         \
  }

DEFINE_SCATTER_ALONG(scatter_along_f32, f32)
DEFINE_SCATTER_ALONG(scatter_along_f64, f64)

/* ---- whole convolutions over a range of images [n0, n1), so threads can split a batch ---- */

void gemm_f32(const f32 *a, int rsa, int csa, const f32 *b, int rsb, int csb, f32 *c, int ldc, int m, int n, int k, void *work, int acc);
void gemm_f64(const f64 *a, int rsa, int csa, const f64 *b, int rsb, int csb, f64 *c, int ldc, int m, int n, int k, void *work, int acc);

/* geom = [N, C, H, W, O, KH, KW, sh, sw, top, left, dh, dw, OH, OW, groups] */
#define GEOM                                                                                         \
  int C = geom[1], H = geom[2], W = geom[3], O = geom[4], KH = geom[5], KW = geom[6];               \
  int sh = geom[7], sw = geom[8], top = geom[9], left = geom[10], dh = geom[11], dw = geom[12];    \
  int OH = geom[13], OW = geom[14], G = geom[15];                                                   \
  int Cg = C / G, Og = O / G, K = Cg * KH * KW, P = OH * OW;                                        \
  /* A 1x1, stride-1, unpadded convolution reads x as its own col matrix. */                        \
  int direct = KH == 1 && KW == 1 && sh == 1 && sw == 1 && top == 0 && left == 0 && OH == H && OW == W;

#define DEFINE_CONV(SUF, T)                                                                           \
  /* y[n] = W_g col(x[n]) per group. */                                                             \
  EXPORT(conv2d_##SUF) void conv2d_##SUF(const T *x, const T *w, T *y, const int *geom, int n0, int n1, T *col, void *work) { \
    GEOM                                                                                            \
    for (int n = n0; n < n1; n++)                                                                   \
      for (int g = 0; g < G; g++) {                                                                 \
        const T *xg = x + ((long)n * C + (long)g * Cg) * H * W;                                     \
        const T *src = xg;                                                                          \
        if (!direct) {                                                                              \
          im2col_##SUF(xg, Cg, H, W, KH, KW, sh, sw, top, left, dh, dw, OH, OW, col);                \
          src = col;                                                                                \
        }                                                                                           \
        gemm_##SUF(w + (long)g * Og * K, K, 1, src, P, 1, y + ((long)n * O + (long)g * Og) * P, P, Og, P, K, work, 0); \
      }                                                                                             \
  }                                                                                                 \
  /* dx[n] = col2im(W_g^T gy[n]) per group. */                                                      \
  EXPORT(conv2d_grad_input_##SUF) void conv2d_grad_input_##SUF(const T *gy, const T *w, T *dx, const int *geom, int n0, int n1, T *col, void *work) { \
    GEOM                                                                                            \
    for (int n = n0; n < n1; n++)                                                                   \
      for (int g = 0; g < G; g++) {                                                                 \
        T *dxg = dx + ((long)n * C + (long)g * Cg) * H * W;                                         \
        const T *gyg = gy + ((long)n * O + (long)g * Og) * P;                                       \
        if (direct) {                                                                               \
          gemm_##SUF(w + (long)g * Og * K, 1, K, gyg, P, 1, dxg, P, K, P, Og, work, 0);             \
          continue;                                                                                 \
        }                                                                                           \
        gemm_##SUF(w + (long)g * Og * K, 1, K, gyg, P, 1, col, P, K, P, Og, work, 0);               \
        memset(dxg, 0, (unsigned long)Cg * H * W * sizeof(T));                                      \
        col2im_##SUF(col, Cg, H, W, KH, KW, sh, sw, top, left, dh, dw, OH, OW, dxg);                 \
      }                                                                                             \
  }                                                                                                 \
  /* dw (+)= sum over n of gy[n] col(x[n])^T per group; acc = 0 overwrites dw first. */              \
  EXPORT(conv2d_grad_filter_##SUF) void conv2d_grad_filter_##SUF(const T *x, const T *gy, T *dwt, const int *geom, int n0, int n1, T *col, void *work, int acc) { \
    GEOM                                                                                            \
    if (!acc) memset(dwt, 0, (unsigned long)O * K * sizeof(T));                                     \
    for (int n = n0; n < n1; n++)                                                                   \
      for (int g = 0; g < G; g++) {                                                                 \
        const T *xg = x + ((long)n * C + (long)g * Cg) * H * W;                                     \
        const T *src = xg;                                                                          \
        if (!direct) {                                                                              \
          im2col_##SUF(xg, Cg, H, W, KH, KW, sh, sw, top, left, dh, dw, OH, OW, col);                \
          src = col;                                                                                \
        }                                                                                           \
        gemm_##SUF(gy + ((long)n * O + (long)g * Og) * P, P, 1, src, 1, P, dwt + (long)g * Og * K, K, Og, K, P, work, 1); \
      }                                                                                             \
  }

DEFINE_CONV(f32, f32)
DEFINE_CONV(f64, f64)
