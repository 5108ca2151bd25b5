/* float32 exp, log, tanh, sigmoid and softplus on GCC/Clang vector types, as wide as the build's instruction
 * set (16 lanes with AVX-512, 8 with AVX2, 4 otherwise). Branch-free: both sides of every case are
 * computed and selected, so one loop body serves all lanes. Polynomials are the classic Cephes
 * minimax fits (about 1 ulp); special values (NaN, +-Infinity, overflow, underflow) are selected at
 * the end and match JavaScript's Math (rounded to float32). */
#ifndef GN_VMATH_H
#define GN_VMATH_H
#include <stdint.h>

#if defined(__AVX512F__)
#define GN_VBYTES 64
#elif defined(__AVX__)
#define GN_VBYTES 32
#else
#define GN_VBYTES 16
#endif
#define GN_VL (GN_VBYTES / 4)

typedef float gn_vf __attribute__((vector_size(GN_VBYTES), aligned(4), may_alias));
typedef int32_t gn_vi __attribute__((vector_size(GN_VBYTES), aligned(4), may_alias));
/* The float64 and int64 registers of the same width (the products and reductions use them). */
typedef double gn_vd __attribute__((vector_size(GN_VBYTES), aligned(8), may_alias));
typedef int64_t gn_vl __attribute__((vector_size(GN_VBYTES), aligned(8), may_alias));

GN_INLINE gn_vf v_splat(float x) { return (gn_vf){0} + x; }
GN_INLINE gn_vf v_sel(gn_vi m, gn_vf a, gn_vf b) { return (gn_vf)((m & (gn_vi)a) | (~m & (gn_vi)b)); }
GN_INLINE gn_vf v_abs(gn_vf x) { return (gn_vf)((gn_vi)x & 0x7fffffff); }
GN_INLINE gn_vf v_copysign(gn_vf mag, gn_vf sgn) { return (gn_vf)(((gn_vi)mag & 0x7fffffff) | ((gn_vi)sgn & (int32_t)0x80000000)); }

/* Round to nearest (ties to even) for |x| < 2^22: add and subtract 1.5 * 2^23. */
GN_INLINE gn_vf v_round(gn_vf x) { return (x + 12582912.0f) - 12582912.0f; }

GN_INLINE gn_vf v_exp(gn_vf x) {
  const float hi = 88.72283935546875f; /* ln(FLT_MAX): above, the result is +Infinity */
  const float lo = -104.0f;            /* below, the result rounds to 0 */
  gn_vf xc = v_sel(x > hi, v_splat(hi), x);
  xc = v_sel(xc < lo, v_splat(lo), xc);
  xc = v_sel(x != x, v_splat(0), xc);
  gn_vf n = v_round(xc * 1.44269504088896341f);
  gn_vf r = xc - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  gn_vf z = r * r;
  gn_vf p = v_splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  gn_vf y = p * z + r + 1.0f;
  /* 2^n in two halves, so that n = 128 (just below overflow) and subnormal results both work. */
  gn_vi ni = __builtin_convertvector(n, gn_vi);
  gn_vi n1 = ni >> 1;
  gn_vi n2 = ni - n1;
  y = y * (gn_vf)((n1 + 127) << 23);
  y = y * (gn_vf)((n2 + 127) << 23);
  y = v_sel(x > hi, v_splat(__builtin_inff()), y);
  y = v_sel(x != x, x, y);
  return y;
}

GN_INLINE gn_vf v_log(gn_vf x) {
  /* Subnormals: scale into the normal range first. */
  gn_vi sub = x < 1.17549435e-38f;
  gn_vf xs = v_sel(sub, x * 8388608.0f, x);
  gn_vi xi = (gn_vi)xs;
  gn_vi e = ((xi >> 23) & 0xff) - 126;
  e = e - (sub & 23);
  gn_vf m = (gn_vf)((xi & 0x007fffff) | 0x3f000000); /* [0.5, 1) */
  gn_vi small = m < 0.707106781186547524f;
  e = e + small; /* small is -1 where true */
  m = v_sel(small, m + m, m) - 1.0f;
  gn_vf z = m * m;
  gn_vf p = v_splat(7.0376836292e-2f);
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  gn_vf fe = __builtin_convertvector(e, gn_vf);
  gn_vf y = p * m * z;
  y = y + fe * -2.12194440e-4f;
  y = y - 0.5f * z;
  gn_vf r = m + y;
  r = r + fe * 0.693359375f;
  r = v_sel(x == __builtin_inff(), x, r);
  r = v_sel(x == 0.0f, v_splat(-__builtin_inff()), r);
  r = v_sel(x < 0.0f, v_splat(__builtin_nanf("")), r);
  r = v_sel(x != x, x, r);
  return r;
}

GN_INLINE gn_vf v_tanh(gn_vf x) {
  gn_vf ax = v_abs(x);
  gn_vf z = x * x;
  gn_vf p = v_splat(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  gn_vf small = v_copysign(x + x * z * p, x); /* tanh(-0) is -0: the sum alone rounds it to +0 */
  gn_vf e = v_exp(ax + ax);
  gn_vf large = v_copysign(1.0f - 2.0f / (e + 1.0f), x);
  gn_vf y = v_sel(ax < 0.625f, small, large);
  return v_sel(x != x, x, y);
}

GN_INLINE gn_vf v_sigmoid(gn_vf x) { return 1.0f / (1.0f + v_exp(-x)); }

/* softplus: max(x, 0) + log1p(e) with e = e^-|x| in [0, 1], where log1p(e) = log(w) e / (w - 1) with
 * w = 1 + e: the rounding error of w cancels (Goldberg); when w rounds to 1, log1p(e) is e itself. */
GN_INLINE gn_vf v_softplus(gn_vf x) {
  gn_vf e = v_exp(-v_abs(x));
  gn_vf w = e + 1.0f;
  gn_vf d = w - 1.0f;
  gn_vf l = v_sel(d == 0.0f, e, v_log(w) * (e / d));
  gn_vf y = v_sel(x > 0.0f, x, v_splat(0)) + l;
  return v_sel(x != x, x, y);
}

#endif
