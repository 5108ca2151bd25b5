/* Reductions over one block of adjacent axes: the input is seen as [outer, red, inner] and the output
 * as [outer, inner]. Several separate axis blocks are reduced one block at a time by the caller.
 * inner == 1 reduces contiguous rows (vectorised along the row); otherwise whole inner rows are
 * folded together (vectorised along inner). max/min propagate NaN like the reference backend. */
#include "common.h"

enum { R_SUM, R_PROD, R_MAX, R_MIN };

#define DEFINE_REDUCE(NAME, T, L, SPLAT, EXTRACT, ADD, MUL, MAX, MIN)                               \
  INLINE v128_t NAME##_comb(int op, v128_t a, v128_t b) {                                        \
    switch (op) {                                                                                \
      case R_SUM: return ADD(a, b);                                                              \
      case R_PROD: return MUL(a, b);                                                             \
      case R_MAX: return MAX(a, b);                                                              \
      default: return MIN(a, b);                                                                 \
    }                                                                                            \
  }                                                                                              \
  INLINE T NAME##_hsum(int op, v128_t v) {                                                       \
    v128_t r = v;                                                                                \
    for (int l = 1; l < L; l++) {                                                                \
      T lane = l == 1 ? EXTRACT(v, 1) : l == 2 ? EXTRACT(v, (L > 2 ? 2 : 0)) : EXTRACT(v, (L > 3 ? 3 : 0)); \
      r = NAME##_comb(op, r, SPLAT(lane));                                                       \
    }                                                                                            \
    return EXTRACT(r, 0);                                                                        \
  }                                                                                              \
  EXPORT(NAME) void NAME(int op, const T *x, T *y, int outer, int red, int inner) {              \
    T init = op == R_SUM ? (T)0 : op == R_PROD ? (T)1 : op == R_MAX ? -(T)__builtin_inf() : (T)__builtin_inf(); \
    v128_t vinit = SPLAT(init);                                                                  \
    if (inner == 1) {                                                                            \
      for (int o = 0; o < outer; o++) {                                                          \
        const T *row = x + (long)o * red;                                                        \
        v128_t acc0 = vinit, acc1 = vinit, acc2 = vinit, acc3 = vinit;                           \
        int i = 0;                                                                               \
        for (; i + 4 * L <= red; i += 4 * L) {                                                   \
          acc0 = NAME##_comb(op, acc0, wasm_v128_load(row + i));                                 \
          acc1 = NAME##_comb(op, acc1, wasm_v128_load(row + i + L));                             \
          acc2 = NAME##_comb(op, acc2, wasm_v128_load(row + i + 2 * L));                         \
          acc3 = NAME##_comb(op, acc3, wasm_v128_load(row + i + 3 * L));                         \
        }                                                                                        \
        for (; i + L <= red; i += L) acc0 = NAME##_comb(op, acc0, wasm_v128_load(row + i));      \
        acc0 = NAME##_comb(op, NAME##_comb(op, acc0, acc1), NAME##_comb(op, acc2, acc3));        \
        T r = NAME##_hsum(op, acc0);                                                             \
        for (; i < red; i++) r = EXTRACT(NAME##_comb(op, SPLAT(r), SPLAT(row[i])), 0);           \
        y[o] = r;                                                                                \
      }                                                                                          \
      return;                                                                                    \
    }                                                                                            \
    for (int o = 0; o < outer; o++) {                                                            \
      T *out = y + (long)o * inner;                                                              \
      const T *base = x + (long)o * red * inner;                                                 \
      int j = 0;                                                                                 \
      for (; j + L <= inner; j += L) {                                                           \
        v128_t acc = vinit;                                                                      \
        for (int r = 0; r < red; r++) acc = NAME##_comb(op, acc, wasm_v128_load(base + (long)r * inner + j)); \
        wasm_v128_store(out + j, acc);                                                           \
      }                                                                                          \
      for (; j < inner; j++) {                                                                   \
        v128_t acc = vinit;                                                                      \
        for (int r = 0; r < red; r++) acc = NAME##_comb(op, acc, SPLAT(base[(long)r * inner + j])); \
        out[j] = EXTRACT(acc, 0);                                                                \
      }                                                                                          \
    }                                                                                            \
  }

DEFINE_REDUCE(reduce_f32, f32, 4, wasm_f32x4_splat, wasm_f32x4_extract_lane, wasm_f32x4_add, wasm_f32x4_mul, wasm_f32x4_max, wasm_f32x4_min)
DEFINE_REDUCE(reduce_f64, f64, 2, wasm_f64x2_splat, wasm_f64x2_extract_lane, wasm_f64x2_add, wasm_f64x2_mul, wasm_f64x2_max, wasm_f64x2_min)
