/* Binary arithmetic along one run: y[i] = a[i sa] op b[i sb]. The loops for (sa, sb) = (1, 1),
 * (1, 0) and (0, 1) are written out so the compiler vectorises them; other strides take the general
 * loop. maximum/minimum return NaN when either side is NaN (like the reference's nanMax/nanMin) and
 * otherwise `a > b ? a : b`, so signed zeros come out as in the reference too. */
#include "isa.h"

#define OPS(T)                                                              \
  GN_INLINE T op_add_##T(T a, T b) { return a + b; }                        \
  GN_INLINE T op_sub_##T(T a, T b) { return a - b; }                        \
  GN_INLINE T op_mul_##T(T a, T b) { return a * b; }                        \
  GN_INLINE T op_div_##T(T a, T b) { return a / b; }                        \
  GN_INLINE T op_max_##T(T a, T b) { return (a != a || b != b) ? a + b : (a > b ? a : b); } \
  GN_INLINE T op_min_##T(T a, T b) { return (a != a || b != b) ? a + b : (a < b ? a : b); }
OPS(float)
OPS(double)

#define RUN(T, F)                                                                           \
  do {                                                                                      \
    if (sa == 1 && sb == 1)                                                                 \
      for (long i = 0; i < n; i++) y[i] = F(a[i], b[i]);                                    \
    else if (sa == 1 && sb == 0) {                                                          \
      const T s = b[0];                                                                     \
      for (long i = 0; i < n; i++) y[i] = F(a[i], s);                                       \
    } else if (sa == 0 && sb == 1) {                                                        \
      const T s = a[0];                                                                     \
      for (long i = 0; i < n; i++) y[i] = F(s, b[i]);                                       \
    } else                                                                                  \
      for (long i = 0; i < n; i++) y[i] = F(a[i * sa], b[i * sb]);                          \
  } while (0)

#define DEFINE_BINARY(T)                                                                            \
  void GN_FN(gn_binary_##T)(int op, const T *a, long sa, const T *b, long sb, T *y, long n) {       \
    switch (op) {                                                                                   \
      case B_ADD: RUN(T, op_add_##T); return;                                                       \
      case B_SUB: RUN(T, op_sub_##T); return;                                                       \
      case B_MUL: RUN(T, op_mul_##T); return;                                                       \
      case B_DIV: RUN(T, op_div_##T); return;                                                       \
      case B_MAX: RUN(T, op_max_##T); return;                                                       \
      case B_MIN: RUN(T, op_min_##T); return;                                                       \
    }                                                                                               \
  }
DEFINE_BINARY(float)
DEFINE_BINARY(double)
