/* Elementwise kernels: unary maps, binary ops and comparisons with broadcasting, where, cast.
 *
 * Broadcasting arrives pre-digested from JavaScript: adjacent axes are merged and size-1 axes
 * dropped, then `meta` holds [shape[r], strideA[r], strideB[r]] (element strides, 0 on broadcast
 * axes). The innermost axis has stride 0 or 1 per input, which selects one of three vector loops. */
#include "common.h"
#include "simdmath.h"

enum { U_NEG, U_ABS, U_SQRT, U_RECIP, U_RELU, U_EXP, U_LOG, U_LOG1P, U_EXPM1, U_TANH, U_SIGMOID, U_SOFTPLUS, U_FLOOR, U_CEIL, U_ROUND, U_SIGN };

INLINE v128_t f4_sign(v128_t x) {
  v128_t one = F4(1.0f);
  v128_t r = wasm_f32x4_sub(wasm_v128_and(wasm_f32x4_gt(x, F4(0.0f)), one), wasm_v128_and(wasm_f32x4_lt(x, F4(0.0f)), one));
  return f4_select(f4_isnan(x), x, r);
}
INLINE v128_t f4_relu(v128_t x) {
  /* x > 0 or NaN keeps x; everything else (including -0) becomes +0. */
  return wasm_v128_and(x, wasm_v128_or(wasm_f32x4_gt(x, F4(0.0f)), f4_isnan(x)));
}

#define UNARY_F32_CASE(code, expr)                                   \
  case code:                                                         \
    for (; i + 4 <= n; i += 4) {                                     \
      v128_t v = wasm_v128_load(x + i);                              \
      wasm_v128_store(y + i, expr);                                  \
    }                                                                \
    for (; i < n; i++) {                                             \
      v128_t v = wasm_f32x4_splat(x[i]);                             \
      y[i] = wasm_f32x4_extract_lane(expr, 0);                       \
    }                                                                \
    return;

EXPORT(unary_f32) void unary_f32(int op, const f32 *x, f32 *y, int n) {
  int i = 0;
  switch (op) {
    UNARY_F32_CASE(U_NEG, wasm_f32x4_neg(v))
    UNARY_F32_CASE(U_ABS, wasm_f32x4_abs(v))
    UNARY_F32_CASE(U_SQRT, wasm_f32x4_sqrt(v))
    UNARY_F32_CASE(U_RECIP, wasm_f32x4_div(F4(1.0f), v))
    UNARY_F32_CASE(U_RELU, f4_relu(v))
    UNARY_F32_CASE(U_EXP, f4_exp(v))
    UNARY_F32_CASE(U_LOG, f4_log(v))
    UNARY_F32_CASE(U_LOG1P, f4_log1p(v))
    UNARY_F32_CASE(U_EXPM1, f4_expm1(v))
    UNARY_F32_CASE(U_TANH, f4_tanh(v))
    UNARY_F32_CASE(U_SIGMOID, f4_sigmoid(v))
    UNARY_F32_CASE(U_SOFTPLUS, f4_softplus(v))
    UNARY_F32_CASE(U_FLOOR, wasm_f32x4_floor(v))
    UNARY_F32_CASE(U_CEIL, wasm_f32x4_ceil(v))
    UNARY_F32_CASE(U_ROUND, wasm_f32x4_nearest(v))
    UNARY_F32_CASE(U_SIGN, f4_sign(v))
  }
}

INLINE v128_t d2_sign(v128_t x) {
  v128_t one = wasm_f64x2_splat(1.0);
  v128_t z = wasm_f64x2_splat(0.0);
  v128_t r = wasm_f64x2_sub(wasm_v128_and(wasm_f64x2_gt(x, z), one), wasm_v128_and(wasm_f64x2_lt(x, z), one));
  return wasm_v128_bitselect(x, r, wasm_f64x2_ne(x, x));
}

#define UNARY_F64_CASE(code, expr)                                   \
  case code:                                                         \
    for (; i + 2 <= n; i += 2) {                                     \
      v128_t v = wasm_v128_load(x + i);                              \
      wasm_v128_store(y + i, expr);                                  \
    }                                                                \
    if (i < n) {                                                     \
      v128_t v = wasm_f64x2_splat(x[i]);                             \
      y[i] = wasm_f64x2_extract_lane(expr, 0);                       \
    }                                                                \
    return;

/* float64 has the cheap maps only; its transcendentals run as JavaScript Math over the heap. */
EXPORT(unary_f64) void unary_f64(int op, const f64 *x, f64 *y, int n) {
  int i = 0;
  switch (op) {
    UNARY_F64_CASE(U_NEG, wasm_f64x2_neg(v))
    UNARY_F64_CASE(U_ABS, wasm_f64x2_abs(v))
    UNARY_F64_CASE(U_SQRT, wasm_f64x2_sqrt(v))
    UNARY_F64_CASE(U_RECIP, wasm_f64x2_div(wasm_f64x2_splat(1.0), v))
    UNARY_F64_CASE(U_RELU, wasm_v128_and(v, wasm_v128_or(wasm_f64x2_gt(v, wasm_f64x2_splat(0.0)), wasm_f64x2_ne(v, v))))
    UNARY_F64_CASE(U_FLOOR, wasm_f64x2_floor(v))
    UNARY_F64_CASE(U_CEIL, wasm_f64x2_ceil(v))
    UNARY_F64_CASE(U_ROUND, wasm_f64x2_nearest(v))
    UNARY_F64_CASE(U_SIGN, d2_sign(v))
  }
}

/* ---- binary ---- */

enum { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN };

#define F32_OP_ADD(a, b) wasm_f32x4_add(a, b)
#define F32_OP_SUB(a, b) wasm_f32x4_sub(a, b)
#define F32_OP_MUL(a, b) wasm_f32x4_mul(a, b)
#define F32_OP_DIV(a, b) wasm_f32x4_div(a, b)
#define F32_OP_MAX(a, b) wasm_f32x4_max(a, b)
#define F32_OP_MIN(a, b) wasm_f32x4_min(a, b)
#define F64_OP_ADD(a, b) wasm_f64x2_add(a, b)
#define F64_OP_SUB(a, b) wasm_f64x2_sub(a, b)
#define F64_OP_MUL(a, b) wasm_f64x2_mul(a, b)
#define F64_OP_DIV(a, b) wasm_f64x2_div(a, b)
#define F64_OP_MAX(a, b) wasm_f64x2_max(a, b)
#define F64_OP_MIN(a, b) wasm_f64x2_min(a, b)

/* One row of n elements; sa/sb are 0 (broadcast scalar) or 1 (contiguous). L lanes per vector. */
#define DEFINE_ROW(NAME, T, L, SPLAT, EXTRACT, OP)                                                      \
  INLINE void NAME(const T *a, int sa, const T *b, int sb, T *y, int n) {                       \
    int i = 0;                                                                                  \
    if (sa && sb) {                                                                             \
      for (; i + L <= n; i += L) wasm_v128_store(y + i, OP(wasm_v128_load(a + i), wasm_v128_load(b + i))); \
    } else if (sa) {                                                                            \
      v128_t vb = SPLAT(b[0]);                                                                  \
      for (; i + L <= n; i += L) wasm_v128_store(y + i, OP(wasm_v128_load(a + i), vb));         \
    } else {                                                                                    \
      v128_t va = SPLAT(a[0]);                                                                  \
      for (; i + L <= n; i += L) wasm_v128_store(y + i, OP(va, wasm_v128_load(b + i)));         \
    }                                                                                           \
    for (; i < n; i++) {                                                                        \
      y[i] = EXTRACT(OP(SPLAT(a[i * sa]), SPLAT(b[i * sb])), 0);                                \
    }                                                                                           \
  }

DEFINE_ROW(row_add_f32, f32, 4, wasm_f32x4_splat, wasm_f32x4_extract_lane, F32_OP_ADD)
DEFINE_ROW(row_sub_f32, f32, 4, wasm_f32x4_splat, wasm_f32x4_extract_lane, F32_OP_SUB)
DEFINE_ROW(row_mul_f32, f32, 4, wasm_f32x4_splat, wasm_f32x4_extract_lane, F32_OP_MUL)
DEFINE_ROW(row_div_f32, f32, 4, wasm_f32x4_splat, wasm_f32x4_extract_lane, F32_OP_DIV)
DEFINE_ROW(row_max_f32, f32, 4, wasm_f32x4_splat, wasm_f32x4_extract_lane, F32_OP_MAX)
DEFINE_ROW(row_min_f32, f32, 4, wasm_f32x4_splat, wasm_f32x4_extract_lane, F32_OP_MIN)
DEFINE_ROW(row_add_f64, f64, 2, wasm_f64x2_splat, wasm_f64x2_extract_lane, F64_OP_ADD)
DEFINE_ROW(row_sub_f64, f64, 2, wasm_f64x2_splat, wasm_f64x2_extract_lane, F64_OP_SUB)
DEFINE_ROW(row_mul_f64, f64, 2, wasm_f64x2_splat, wasm_f64x2_extract_lane, F64_OP_MUL)
DEFINE_ROW(row_div_f64, f64, 2, wasm_f64x2_splat, wasm_f64x2_extract_lane, F64_OP_DIV)
DEFINE_ROW(row_max_f64, f64, 2, wasm_f64x2_splat, wasm_f64x2_extract_lane, F64_OP_MAX)
DEFINE_ROW(row_min_f64, f64, 2, wasm_f64x2_splat, wasm_f64x2_extract_lane, F64_OP_MIN)

/* Walks every row of the broadcast iteration space: rows = product of shape[0..r-2]. */
#define DEFINE_BINARY(NAME, T, SUFFIX)                                                          \
  EXPORT(NAME) void NAME(int op, const T *a, const T *b, T *y, const int *meta, int rank) {     \
    const int *shape = meta, *sa = meta + rank, *sb = meta + 2 * rank;                          \
    int n = rank ? shape[rank - 1] : 1;                                                         \
    int ia = rank ? sa[rank - 1] : 0, ib = rank ? sb[rank - 1] : 0;                             \
    int idx[GN_MAX_RANK] = {0};                                                                 \
    long oa = 0, ob = 0, oy = 0;                                                                \
    for (;;) {                                                                                  \
      switch (op) {                                                                             \
        case B_ADD: row_add_##SUFFIX(a + oa, ia, b + ob, ib, y + oy, n); break;                  \
        case B_SUB: row_sub_##SUFFIX(a + oa, ia, b + ob, ib, y + oy, n); break;                  \
        case B_MUL: row_mul_##SUFFIX(a + oa, ia, b + ob, ib, y + oy, n); break;                  \
        case B_DIV: row_div_##SUFFIX(a + oa, ia, b + ob, ib, y + oy, n); break;                  \
        case B_MAX: row_max_##SUFFIX(a + oa, ia, b + ob, ib, y + oy, n); break;                  \
        case B_MIN: row_min_##SUFFIX(a + oa, ia, b + ob, ib, y + oy, n); break;                  \
      }                                                                                         \
      oy += n;                                                                                  \
      int ax = rank - 2;                                                                        \
      for (; ax >= 0; ax--) {                                                                   \
        oa += sa[ax];                                                                           \
        ob += sb[ax];                                                                           \
        if (++idx[ax] < shape[ax]) break;                                                       \
        oa -= (long)sa[ax] * shape[ax];                                                         \
        ob -= (long)sb[ax] * shape[ax];                                                         \
        idx[ax] = 0;                                                                            \
      }                                                                                         \
      if (ax < 0) return;                                                                       \
    }                                                                                           \
  }

DEFINE_BINARY(binary_f32, f32, f32)
DEFINE_BINARY(binary_f64, f64, f64)

/* ---- comparisons: bool (u8 0/1) output, scalar loops over the same broadcast walk ---- */

enum { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };

#define DEFINE_COMPARE(NAME, T)                                                                 \
  EXPORT(NAME) void NAME(int op, const T *a, const T *b, u8 *y, const int *meta, int rank) {    \
    const int *shape = meta, *sa = meta + rank, *sb = meta + 2 * rank;                          \
    int n = rank ? shape[rank - 1] : 1;                                                         \
    int ia = rank ? sa[rank - 1] : 0, ib = rank ? sb[rank - 1] : 0;                             \
    int idx[GN_MAX_RANK] = {0};                                                                 \
    long oa = 0, ob = 0, oy = 0;                                                                \
    for (;;) {                                                                                  \
      const T *pa = a + oa, *pb = b + ob;                                                       \
      u8 *py = y + oy;                                                                          \
      switch (op) {                                                                             \
        case C_EQ: for (int i = 0; i < n; i++) py[i] = pa[i * ia] == pb[i * ib]; break;          \
        case C_NE: for (int i = 0; i < n; i++) py[i] = pa[i * ia] != pb[i * ib]; break;          \
        case C_LT: for (int i = 0; i < n; i++) py[i] = pa[i * ia] < pb[i * ib]; break;           \
        case C_LE: for (int i = 0; i < n; i++) py[i] = pa[i * ia] <= pb[i * ib]; break;          \
        case C_GT: for (int i = 0; i < n; i++) py[i] = pa[i * ia] > pb[i * ib]; break;           \
        case C_GE: for (int i = 0; i < n; i++) py[i] = pa[i * ia] >= pb[i * ib]; break;          \
      }                                                                                         \
      oy += n;                                                                                  \
      int ax = rank - 2;                                                                        \
      for (; ax >= 0; ax--) {                                                                   \
        oa += sa[ax];                                                                           \
        ob += sb[ax];                                                                           \
        if (++idx[ax] < shape[ax]) break;                                                       \
        oa -= (long)sa[ax] * shape[ax];                                                         \
        ob -= (long)sb[ax] * shape[ax];                                                         \
        idx[ax] = 0;                                                                            \
      }                                                                                         \
      if (ax < 0) return;                                                                       \
    }                                                                                           \
  }

DEFINE_COMPARE(compare_f32, f32)
DEFINE_COMPARE(compare_f64, f64)
DEFINE_COMPARE(compare_i32, i32)

/* ---- where(cond, a, b): meta = [shape[r], strideC[r], strideA[r], strideB[r]] ---- */

#define DEFINE_WHERE(NAME, T)                                                                   \
  EXPORT(NAME) void NAME(const u8 *c, const T *a, const T *b, T *y, const int *meta, int rank) { \
    const int *shape = meta, *sc = meta + rank, *sa = meta + 2 * rank, *sb = meta + 3 * rank;   \
    int n = rank ? shape[rank - 1] : 1;                                                         \
    int ic = rank ? sc[rank - 1] : 0, ia = rank ? sa[rank - 1] : 0, ib = rank ? sb[rank - 1] : 0; \
    int idx[GN_MAX_RANK] = {0};                                                                 \
    long oc = 0, oa = 0, ob = 0, oy = 0;                                                        \
    for (;;) {                                                                                  \
      for (int i = 0; i < n; i++) y[oy + i] = c[oc + i * ic] ? a[oa + i * ia] : b[ob + i * ib];  \
      oy += n;                                                                                  \
      int ax = rank - 2;                                                                        \
      for (; ax >= 0; ax--) {                                                                   \
        oc += sc[ax];                                                                           \
        oa += sa[ax];                                                                           \
        ob += sb[ax];                                                                           \
        if (++idx[ax] < shape[ax]) break;                                                       \
        oc -= (long)sc[ax] * shape[ax];                                                         \
        oa -= (long)sa[ax] * shape[ax];                                                         \
        ob -= (long)sb[ax] * shape[ax];                                                         \
        idx[ax] = 0;                                                                            \
      }                                                                                         \
      if (ax < 0) return;                                                                       \
    }                                                                                           \
  }

DEFINE_WHERE(where_w1, u8)
DEFINE_WHERE(where_w4, i32)
DEFINE_WHERE(where_w8, f64)

/* ---- cast: dtype codes 0 float32, 1 float64, 2 int32, 3 bool ---- */

/* JavaScript's ToInt32 (what the reference backend does with `x | 0`): truncate, then wrap modulo 2^32;
 * NaN and +-Infinity give 0. */
INLINE i32 to_int32(f64 v) {
  if (!(v == v) || v == __builtin_inf() || v == -__builtin_inf()) return 0;
  f64 t = __builtin_trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return (i32)t;
  f64 m = t - __builtin_floor(t / 4294967296.0) * 4294967296.0; /* exact: 2^32 is a power of two */
  return (i32)(uint32_t)m;
}

#define CAST_LOOP(ST, DT, EXPR)                                      \
  {                                                                  \
    const ST *s = (const ST *)src;                                   \
    DT *d = (DT *)dst;                                               \
    for (int i = 0; i < n; i++) {                                    \
      ST v = s[i];                                                   \
      d[i] = (DT)(EXPR);                                             \
    }                                                                \
    return;                                                          \
  }

EXPORT(cast) void cast(const void *src, int from, void *dst, int to, int n) {
  switch (from * 4 + to) {
    case 0 * 4 + 0: memcpy(dst, src, (unsigned long)n * 4); return;
    case 0 * 4 + 1: CAST_LOOP(f32, f64, v)
    case 0 * 4 + 2: CAST_LOOP(f32, i32, to_int32(v))
    case 0 * 4 + 3: CAST_LOOP(f32, u8, v != 0) /* NaN != 0: true, as in NumPy */
    case 1 * 4 + 0: CAST_LOOP(f64, f32, v)
    case 1 * 4 + 1: memcpy(dst, src, (unsigned long)n * 8); return;
    case 1 * 4 + 2: CAST_LOOP(f64, i32, to_int32(v))
    case 1 * 4 + 3: CAST_LOOP(f64, u8, v != 0)
    case 2 * 4 + 0: CAST_LOOP(i32, f32, v)
    case 2 * 4 + 1: CAST_LOOP(i32, f64, v)
    case 2 * 4 + 2: memcpy(dst, src, (unsigned long)n * 4); return;
    case 2 * 4 + 3: CAST_LOOP(i32, u8, v != 0)
    case 3 * 4 + 0: CAST_LOOP(u8, f32, v)
    case 3 * 4 + 1: CAST_LOOP(u8, f64, v)
    case 3 * 4 + 2: CAST_LOOP(u8, i32, v)
    case 3 * 4 + 3: memcpy(dst, src, (unsigned long)n); return;
  }
}
