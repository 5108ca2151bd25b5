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

/* ---- comparisons: bool (u8 0/1) output over the same broadcast walk ---- */

enum { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };

/* Sixteen 32-bit lane masks (all ones or zero, four vectors) as sixteen bytes 0/1: the signed
 * saturating narrows keep -1 and 0. */
INLINE v128_t masks32_to_bytes(v128_t m0, v128_t m1, v128_t m2, v128_t m3) {
  v128_t lo = wasm_i16x8_narrow_i32x4(m0, m1), hi = wasm_i16x8_narrow_i32x4(m2, m3);
  return wasm_v128_and(wasm_i8x16_narrow_i16x8(lo, hi), wasm_i8x16_splat(1));
}

/* One row of a comparison of 4-lane elements (f32, i32); sa/sb are 0 (a scalar) or 1 (contiguous):
 * sixteen elements per step, the tail and any other stride one at a time. */
#define DEFINE_CMP_ROW4(NAME, T, SPLAT, VOP, SOP)                                                 \
  INLINE void NAME(const T *a, int sa, const T *b, int sb, u8 *y, int n) {                      \
    int i = 0;                                                                                  \
    if (sa == 1 && sb == 1) {                                                                   \
      for (; i + 16 <= n; i += 16)                                                              \
        wasm_v128_store(y + i, masks32_to_bytes(VOP(wasm_v128_load(a + i), wasm_v128_load(b + i)),          \
                                                VOP(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)),  \
                                                VOP(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8)),  \
                                                VOP(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12)))); \
    } else if (sa == 1 && sb == 0) {                                                            \
      v128_t vb = SPLAT(b[0]);                                                                  \
      for (; i + 16 <= n; i += 16)                                                              \
        wasm_v128_store(y + i, masks32_to_bytes(VOP(wasm_v128_load(a + i), vb), VOP(wasm_v128_load(a + i + 4), vb), \
                                                VOP(wasm_v128_load(a + i + 8), vb), VOP(wasm_v128_load(a + i + 12), vb))); \
    } else if (sa == 0 && sb == 1) {                                                            \
      v128_t va = SPLAT(a[0]);                                                                  \
      for (; i + 16 <= n; i += 16)                                                              \
        wasm_v128_store(y + i, masks32_to_bytes(VOP(va, wasm_v128_load(b + i)), VOP(va, wasm_v128_load(b + i + 4)), \
                                                VOP(va, wasm_v128_load(b + i + 8)), VOP(va, wasm_v128_load(b + i + 12)))); \
    }                                                                                           \
    for (; i < n; i++) y[i] = a[i * sa] SOP b[i * sb];                                          \
  }

/* One row for other element types: constant strides in the common cases, so the compiler may vectorise. */
#define DEFINE_CMP_ROW(NAME, T, SOP)                                                              \
  INLINE void NAME(const T *a, int sa, const T *b, int sb, u8 *y, int n) {                      \
    if (sa == 1 && sb == 1) for (int i = 0; i < n; i++) y[i] = a[i] SOP b[i];                    \
    else if (sa == 1 && sb == 0) { const T s = b[0]; for (int i = 0; i < n; i++) y[i] = a[i] SOP s; } \
    else for (int i = 0; i < n; i++) y[i] = a[i * sa] SOP b[i * sb];                             \
  }

#define DEFINE_CMP_ROWS4(SUFFIX, T, SPLAT, PREFIX)                                                 \
  DEFINE_CMP_ROW4(cmp_eq_##SUFFIX, T, SPLAT, PREFIX##_eq, ==)                                    \
  DEFINE_CMP_ROW4(cmp_ne_##SUFFIX, T, SPLAT, PREFIX##_ne, !=)                                    \
  DEFINE_CMP_ROW4(cmp_lt_##SUFFIX, T, SPLAT, PREFIX##_lt, <)                                     \
  DEFINE_CMP_ROW4(cmp_le_##SUFFIX, T, SPLAT, PREFIX##_le, <=)                                    \
  DEFINE_CMP_ROW4(cmp_gt_##SUFFIX, T, SPLAT, PREFIX##_gt, >)                                     \
  DEFINE_CMP_ROW4(cmp_ge_##SUFFIX, T, SPLAT, PREFIX##_ge, >=)

/* Vector comparisons give all-ones lanes where true; a NaN compares false except with != (as in C). */
DEFINE_CMP_ROWS4(f32, f32, wasm_f32x4_splat, wasm_f32x4)
DEFINE_CMP_ROWS4(i32, i32, wasm_i32x4_splat, wasm_i32x4)
DEFINE_CMP_ROW(cmp_eq_f64, f64, ==)
DEFINE_CMP_ROW(cmp_ne_f64, f64, !=)
DEFINE_CMP_ROW(cmp_lt_f64, f64, <)
DEFINE_CMP_ROW(cmp_le_f64, f64, <=)
DEFINE_CMP_ROW(cmp_gt_f64, f64, >)
DEFINE_CMP_ROW(cmp_ge_f64, f64, >=)

#define DEFINE_COMPARE(NAME, T, SUFFIX)                                                         \
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
        case C_EQ: cmp_eq_##SUFFIX(pa, ia, pb, ib, py, n); break;                               \
        case C_NE: cmp_ne_##SUFFIX(pa, ia, pb, ib, py, n); break;                               \
        case C_LT: cmp_lt_##SUFFIX(pa, ia, pb, ib, py, n); break;                               \
        case C_LE: cmp_le_##SUFFIX(pa, ia, pb, ib, py, n); break;                               \
        case C_GT: cmp_gt_##SUFFIX(pa, ia, pb, ib, py, n); break;                               \
        case C_GE: cmp_ge_##SUFFIX(pa, ia, pb, ib, py, n); break;                               \
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

DEFINE_COMPARE(compare_f32, f32, f32)
DEFINE_COMPARE(compare_f64, f64, f64)
DEFINE_COMPARE(compare_i32, i32, i32)

/* ---- where(cond, a, b): meta = [shape[r], strideC[r], strideA[r], strideB[r]] ---- */

/* Sixteen condition bytes as lane masks (all ones where the byte is nonzero), for 1- and 4-byte lanes. */
INLINE v128_t cond_mask8(const u8 *c) {
  return wasm_i8x16_ne(wasm_v128_load(c), wasm_i8x16_splat(0));
}
INLINE void cond_masks32(v128_t m8, v128_t m[4]) {
  v128_t lo = wasm_i16x8_extend_low_i8x16(m8), hi = wasm_i16x8_extend_high_i8x16(m8);
  m[0] = wasm_i32x4_extend_low_i16x8(lo);
  m[1] = wasm_i32x4_extend_high_i16x8(lo);
  m[2] = wasm_i32x4_extend_low_i16x8(hi);
  m[3] = wasm_i32x4_extend_high_i16x8(hi);
}

/* Rows with a contiguous condition and each value contiguous (stride 1) or a scalar (stride 0):
 * sixteen elements per step by bit selection; returns how many it did. */
INLINE int where_row_w1(const u8 *c, const u8 *a, int sa, const u8 *b, int sb, u8 *y, int n) {
  v128_t va = wasm_i8x16_splat(a[0]), vb = wasm_i8x16_splat(b[0]);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t x = sa ? wasm_v128_load(a + i) : va, z = sb ? wasm_v128_load(b + i) : vb;
    wasm_v128_store(y + i, wasm_v128_bitselect(x, z, cond_mask8(c + i)));
  }
  return i;
}
INLINE int where_row_w4(const u8 *c, const i32 *a, int sa, const i32 *b, int sb, i32 *y, int n) {
  v128_t va = wasm_i32x4_splat(a[0]), vb = wasm_i32x4_splat(b[0]);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t m[4];
    cond_masks32(cond_mask8(c + i), m);
    for (int k = 0; k < 4; k++) {
      v128_t x = sa ? wasm_v128_load(a + i + 4 * k) : va, z = sb ? wasm_v128_load(b + i + 4 * k) : vb;
      wasm_v128_store(y + i + 4 * k, wasm_v128_bitselect(x, z, m[k]));
    }
  }
  return i;
}
INLINE int where_row_w8(const u8 *c, const f64 *a, int sa, const f64 *b, int sb, f64 *y, int n) {
  (void)c, (void)a, (void)sa, (void)b, (void)sb, (void)y, (void)n;
  return 0; /* the scalar loop (8-byte lanes: two per vector, little to gain) */
}

#define DEFINE_WHERE(NAME, T, ROW)                                                              \
  EXPORT(NAME) void NAME(const u8 *c, const T *a, const T *b, T *y, const int *meta, int rank) { \
    const int *shape = meta, *sc = meta + rank, *sa = meta + 2 * rank, *sb = meta + 3 * rank;   \
    int n = rank ? shape[rank - 1] : 1;                                                         \
    int ic = rank ? sc[rank - 1] : 0, ia = rank ? sa[rank - 1] : 0, ib = rank ? sb[rank - 1] : 0; \
    int idx[GN_MAX_RANK] = {0};                                                                 \
    long oc = 0, oa = 0, ob = 0, oy = 0;                                                        \
    for (;;) {                                                                                  \
      int i = ic == 1 && ia <= 1 && ib <= 1 ? ROW(c + oc, a + oa, ia, b + ob, ib, y + oy, n) : 0; \
      for (; i < n; i++) y[oy + i] = c[oc + i * ic] ? a[oa + i * ia] : b[ob + i * ib];           \
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

DEFINE_WHERE(where_w1, u8, where_row_w1)
DEFINE_WHERE(where_w4, i32, where_row_w4)
DEFINE_WHERE(where_w8, f64, where_row_w8)

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

/* The casts between bool and the 4-byte types, sixteen elements per step (the scalar loop below
 * finishes the tail); returns how many it did. */
INLINE int cast_simd(const void *src, int from, void *dst, int to, int n) {
  int i = 0;
  if (from == 3 && (to == 0 || to == 2)) { /* bool -> float32 / int32: widen the bytes */
    const u8 *s = (const u8 *)src;
    for (; i + 16 <= n; i += 16) {
      v128_t v = wasm_v128_load(s + i);
      v128_t lo = wasm_u16x8_extend_low_u8x16(v), hi = wasm_u16x8_extend_high_u8x16(v);
      v128_t w[4] = {wasm_u32x4_extend_low_u16x8(lo), wasm_u32x4_extend_high_u16x8(lo), wasm_u32x4_extend_low_u16x8(hi), wasm_u32x4_extend_high_u16x8(hi)};
      for (int k = 0; k < 4; k++) wasm_v128_store((i32 *)dst + i + 4 * k, to == 0 ? wasm_f32x4_convert_i32x4(w[k]) : w[k]);
    }
  } else if ((from == 0 || from == 2) && to == 3) { /* float32 / int32 -> bool: v != 0 (NaN gives true) */
    const i32 *s = (const i32 *)src;
    for (; i + 16 <= n; i += 16) {
      v128_t m[4];
      for (int k = 0; k < 4; k++) {
        v128_t v = wasm_v128_load(s + i + 4 * k);
        m[k] = from == 0 ? wasm_f32x4_ne(v, wasm_f32x4_splat(0.0f)) : wasm_i32x4_ne(v, wasm_i32x4_splat(0));
      }
      wasm_v128_store((u8 *)dst + i, masks32_to_bytes(m[0], m[1], m[2], m[3]));
    }
  } else if (from == 2 && to == 0) { /* int32 -> float32: rounds to nearest, as the C conversion does */
    const i32 *s = (const i32 *)src;
    for (; i + 4 <= n; i += 4) wasm_v128_store((f32 *)dst + i, wasm_f32x4_convert_i32x4(wasm_v128_load(s + i)));
  }
  return i;
}

/* The scalar loop from element `i0` on. */
#define CAST_TAIL(ST, DT, EXPR)                                      \
  {                                                                  \
    const ST *s = (const ST *)src;                                   \
    DT *d = (DT *)dst;                                               \
    for (int i = i0; i < n; i++) {                                   \
      ST v = s[i];                                                   \
      d[i] = (DT)(EXPR);                                             \
    }                                                                \
    return;                                                          \
  }

EXPORT(cast) void cast(const void *src, int from, void *dst, int to, int n) {
  int i0 = cast_simd(src, from, dst, to, n);
  switch (from * 4 + to) {
    case 0 * 4 + 0: memcpy(dst, src, (unsigned long)n * 4); return;
    case 0 * 4 + 1: CAST_TAIL(f32, f64, v)
    case 0 * 4 + 2: CAST_TAIL(f32, i32, to_int32(v))
    case 0 * 4 + 3: CAST_TAIL(f32, u8, v != 0) /* NaN != 0: true, as in NumPy */
    case 1 * 4 + 0: CAST_TAIL(f64, f32, v)
    case 1 * 4 + 1: memcpy(dst, src, (unsigned long)n * 8); return;
    case 1 * 4 + 2: CAST_TAIL(f64, i32, to_int32(v))
    case 1 * 4 + 3: CAST_TAIL(f64, u8, v != 0)
    case 2 * 4 + 0: CAST_TAIL(i32, f32, v)
    case 2 * 4 + 1: CAST_TAIL(i32, f64, v)
    case 2 * 4 + 2: memcpy(dst, src, (unsigned long)n * 4); return;
    case 2 * 4 + 3: CAST_TAIL(i32, u8, v != 0)
    case 3 * 4 + 0: CAST_TAIL(u8, f32, v)
    case 3 * 4 + 1: CAST_TAIL(u8, f64, v)
    case 3 * 4 + 2: CAST_TAIL(u8, i32, v)
    case 3 * 4 + 3: memcpy(dst, src, (unsigned long)n); return;
  }
}
