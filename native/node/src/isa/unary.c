/* Elementwise maps y = op(x). float32 exp/log/tanh/sigmoid/softplus use the vector math of vmath.h; the other
 * float32 transcendentals are computed in double with libm and rounded once (as the reference backend
 * does with JavaScript's Math), and float64 transcendentals call libm. The cheap maps are plain loops
 * the compiler vectorises for this file's instruction set. NaN propagates everywhere. */
#include <math.h>
#include <string.h>
#include "isa.h"
#include "vmath.h"

/* Applies a vector function to n floats: whole vectors, then the tail through a padded vector. */
#define VMAP(F)                                                  \
  do {                                                           \
    long i = 0;                                                  \
    for (; i + GN_VL <= n; i += GN_VL) {                         \
      gn_vf v;                                                   \
      v = *(const __typeof__(v) *)(x + i);                       \
      v = F(v);                                                  \
      *(__typeof__(v) *)(y + i) = v;                             \
    }                                                            \
    if (i < n) {                                                 \
      gn_vf v = {0};                                             \
      memcpy(&v, x + i, (size_t)(n - i) * sizeof(float));        \
      v = F(v);                                                  \
      memcpy(y + i, &v, (size_t)(n - i) * sizeof(float));        \
    }                                                            \
  } while (0)

#define MAP(EXPR)                                  \
  do {                                             \
    for (long i = 0; i < n; i++) {                 \
      T v = x[i];                                  \
      y[i] = (EXPR);                               \
    }                                              \
  } while (0)

/* Maps both dtypes share; T is the element type, D the libm suffix. */
#define CHEAP_CASES(ONE, ZERO, RINT, FLOOR, CEIL, SQRT, FABS)                    \
  case U_NEG: MAP(-v); return;                                                   \
  case U_ABS: MAP(FABS(v)); return;                                              \
  case U_SQRT: MAP(SQRT(v)); return;                                             \
  case U_RECIPROCAL: MAP(ONE / v); return;                                       \
  case U_RELU: MAP(v > ZERO ? v : (v != v ? v : ZERO)); return;                  \
  case U_FLOOR: MAP(FLOOR(v)); return;                                           \
  case U_CEIL: MAP(CEIL(v)); return;                                             \
  case U_ROUND: MAP(RINT(v)); return;                                            \
  case U_SIGN: MAP(v > ZERO ? ONE : v < ZERO ? -ONE : v == ZERO ? ZERO : v); return;

static double sigmoid_d(double v) {
  if (v >= 0) return 1 / (1 + exp(-v));
  double e = exp(v);
  return e / (1 + e);
}
static double softplus_d(double v) { return (v > 0 ? v : (v != v ? v : 0)) + log1p(exp(-fabs(v))); }

static void unary_f32(int op, const float *x, float *y, long n) {
  typedef float T;
  switch (op) {
    CHEAP_CASES(1.0f, 0.0f, rintf, floorf, ceilf, sqrtf, fabsf)
    case U_EXP: VMAP(v_exp); return;
    case U_LOG: VMAP(v_log); return;
    case U_TANH: VMAP(v_tanh); return;
    case U_SIGMOID: VMAP(v_sigmoid); return;
    case U_LOG1P: MAP((float)log1p(v)); return;
    case U_EXPM1: MAP((float)expm1(v)); return;
    case U_SOFTPLUS: VMAP(v_softplus); return;
    case U_SIN: MAP((float)sin(v)); return;
    case U_COS: MAP((float)cos(v)); return;
    case U_TAN: MAP((float)tan(v)); return;
    case U_ERF: MAP((float)erf(v)); return;
  }
}

static void unary_f64(int op, const double *x, double *y, long n) {
  typedef double T;
  switch (op) {
    CHEAP_CASES(1.0, 0.0, rint, floor, ceil, sqrt, fabs)
    case U_EXP: MAP(exp(v)); return;
    case U_LOG: MAP(log(v)); return;
    case U_TANH: MAP(tanh(v)); return;
    case U_SIGMOID: MAP(sigmoid_d(v)); return;
    case U_LOG1P: MAP(log1p(v)); return;
    case U_EXPM1: MAP(expm1(v)); return;
    case U_SOFTPLUS: MAP(softplus_d(v)); return;
    case U_SIN: MAP(sin(v)); return;
    case U_COS: MAP(cos(v)); return;
    case U_TAN: MAP(tan(v)); return;
    case U_ERF: MAP(erf(v)); return;
  }
}

void GN_FN(gn_unary_f32)(int op, const float *x, float *y, long n) { unary_f32(op, x, y, n); }
void GN_FN(gn_unary_f64)(int op, const double *x, double *y, long n) { unary_f64(op, x, y, n); }
