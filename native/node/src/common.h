/* Shared definitions of gradnav's native kernels (see docs/design/005-native-backend.md).
 * Sizes and strides are in elements (long, 64-bit on every platform we build for). */
#ifndef GN_COMMON_H
#define GN_COMMON_H
#include <stddef.h>
#include <stdint.h>

/* dtype codes: the same numbers as the wasm backend's DT_CODE (src/backends/wasm/context.ts). */
enum { GN_F32 = 0, GN_F64 = 1, GN_I32 = 2, GN_BOOL = 3 };

/* Unary op codes (src/backends/native/kernels/elementwise.ts mirrors them). */
enum {
  U_NEG, U_ABS, U_SQRT, U_RECIPROCAL, U_RELU, U_EXP, U_LOG, U_LOG1P, U_EXPM1, U_TANH,
  U_SIGMOID, U_SOFTPLUS, U_FLOOR, U_CEIL, U_ROUND, U_SIGN, U_SIN, U_COS, U_TAN, U_ERF, U_COUNT
};
/* Binary arithmetic and comparison op codes. */
enum { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_COUNT };
enum { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE, C_COUNT };
/* Reductions. */
enum { R_SUM, R_PROD, R_MAX, R_MIN };

/* Strided kernels accept at most this rank after the JS side collapsed adjacent axes. */
#define GN_MAX_RANK 16

#define GN_INLINE static inline __attribute__((always_inline))

#endif
