/* Data movement: a general strided copy (transpose, broadcast, slice, flip, pad, concat are all one
 * call with the right strides), a cache-blocked 2-D transpose, and fills. Strides are in elements
 * and may be negative (flip) or zero (broadcast). meta = [shape[r], srcStride[r], dstStride[r]]. */
#include "common.h"

#define DEFINE_COPY(NAME, T)                                                                    \
  EXPORT(NAME) void NAME(const T *src, T *dst, const int *meta, int rank) {                    \
    const int *shape = meta, *ss = meta + rank, *ds = meta + 2 * rank;                          \
    if (rank == 0) {                                                                            \
      dst[0] = src[0];                                                                          \
      return;                                                                                   \
    }                                                                                           \
    for (int ax = 0; ax < rank; ax++)                                                           \
      if (shape[ax] == 0) return;                                                               \
    int n = shape[rank - 1], is = ss[rank - 1], id = ds[rank - 1];                              \
    int idx[GN_MAX_RANK] = {0};                                                                 \
    long os = 0, od = 0;                                                                        \
    for (;;) {                                                                                  \
      const T *s = src + os;                                                                    \
      T *d = dst + od;                                                                          \
      if (is == 1 && id == 1) memcpy(d, s, (unsigned long)n * sizeof(T));                       \
      else if (is == 0 && id == 1) {                                                            \
        T v = s[0];                                                                             \
        for (int i = 0; i < n; i++) d[i] = v;                                                   \
      } else                                                                                    \
        for (int i = 0; i < n; i++) d[(long)i * id] = s[(long)i * is];                          \
      int ax = rank - 2;                                                                        \
      for (; ax >= 0; ax--) {                                                                   \
        os += ss[ax];                                                                           \
        od += ds[ax];                                                                           \
        if (++idx[ax] < shape[ax]) break;                                                       \
        os -= (long)ss[ax] * shape[ax];                                                         \
        od -= (long)ds[ax] * shape[ax];                                                         \
        idx[ax] = 0;                                                                            \
      }                                                                                         \
      if (ax < 0) return;                                                                       \
    }                                                                                           \
  }

DEFINE_COPY(copy_w1, u8)
DEFINE_COPY(copy_w4, i32)
DEFINE_COPY(copy_w8, f64)

/* [batch, m, n] -> [batch, n, m] in 16x16 tiles so both sides stay in cache. */
#define DEFINE_TRANSPOSE(NAME, T)                                                               \
  EXPORT(NAME) void NAME(const T *src, T *dst, int batch, int m, int n) {                      \
    for (int b = 0; b < batch; b++) {                                                           \
      const T *s = src + (long)b * m * n;                                                       \
      T *d = dst + (long)b * m * n;                                                             \
      for (int i0 = 0; i0 < m; i0 += 16)                                                        \
        for (int j0 = 0; j0 < n; j0 += 16) {                                                    \
          int i1 = i0 + 16 < m ? i0 + 16 : m, j1 = j0 + 16 < n ? j0 + 16 : n;                   \
          for (int i = i0; i < i1; i++)                                                         \
            for (int j = j0; j < j1; j++) d[(long)j * m + i] = s[(long)i * n + j];               \
        }                                                                                       \
    }                                                                                           \
  }

DEFINE_TRANSPOSE(transpose_w4, i32)
DEFINE_TRANSPOSE(transpose_w8, f64)

EXPORT(fill_w4) void fill_w4(i32 *dst, i32 bits, int n) {
  for (int i = 0; i < n; i++) dst[i] = bits;
}
EXPORT(fill_w8) void fill_w8(f64 *dst, f64 v, int n) {
  for (int i = 0; i < n; i++) dst[i] = v;
}
EXPORT(fill_w1) void fill_w1(u8 *dst, int v, int n) { memset(dst, v, (unsigned long)n); }
