/* float32x4 transcendental functions for the elementwise kernels. Each is within about 2 ulp of the
 * correctly rounded result over its whole range, and handles NaN, +-Infinity, +-0 and subnormals as
 * C's libm does (tests compare them with the float64 reference rounded to float32). */
#ifndef GN_SIMDMATH_H
#define GN_SIMDMATH_H
#include "common.h"

#define F4(c) wasm_f32x4_splat((float)(c))
#define I4(c) wasm_i32x4_splat((int)(c))

INLINE v128_t f4_select(v128_t mask, v128_t a, v128_t b) { return wasm_v128_bitselect(a, b, mask); }
INLINE v128_t f4_isnan(v128_t x) { return wasm_f32x4_ne(x, x); }

/* 2^k for integer k in [-252, 254] as a product of two normal powers (reaches subnormals and overflow). */
INLINE v128_t f4_exp2i_mul(v128_t p, v128_t k) {
  v128_t k1 = wasm_i32x4_shr(k, 1);
  v128_t k2 = wasm_i32x4_sub(k, k1);
  v128_t s1 = wasm_i32x4_shl(wasm_i32x4_add(k1, I4(127)), 23);
  v128_t s2 = wasm_i32x4_shl(wasm_i32x4_add(k2, I4(127)), 23);
  return wasm_f32x4_mul(wasm_f32x4_mul(p, s1), s2);
}

/* exp: x = k ln2 + r with |r| <= ln2/2 (Cody-Waite, two-part ln2), degree-6 polynomial for e^r. */
INLINE v128_t f4_exp(v128_t x) {
  v128_t xc = wasm_f32x4_min(wasm_f32x4_max(x, F4(-104.0f)), F4(89.0f)); /* NaN propagates */
  v128_t kf = wasm_f32x4_nearest(wasm_f32x4_mul(xc, F4(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(xc, wasm_f32x4_mul(kf, F4(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(kf, F4(-2.12194440e-4f)));
  v128_t p = F4(1.0f / 720);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), F4(1.0f / 120));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), F4(1.0f / 24));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), F4(1.0f / 6));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), F4(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), F4(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), F4(1.0f));
  return f4_exp2i_mul(p, wasm_i32x4_trunc_sat_f32x4(kf));
}

/* log: x = m 2^e with m in [sqrt(1/2), sqrt(2)); log(m) by Cephes' logf polynomial in f = m - 1. */
INLINE v128_t f4_log(v128_t x) {
  /* Scale subnormals up by 2^23 so the exponent trick sees a normal number. */
  v128_t sub = wasm_f32x4_lt(x, F4(1.17549435e-38f));
  v128_t xs = f4_select(sub, wasm_f32x4_mul(x, F4(8388608.0f)), x);
  v128_t ebias = f4_select(sub, I4(-23), I4(0));
  v128_t bits = xs;
  v128_t e = wasm_i32x4_sub(wasm_u32x4_shr(bits, 23), I4(126));
  e = wasm_i32x4_add(e, ebias);
  v128_t m = wasm_v128_or(wasm_v128_and(bits, I4(0x007fffff)), I4(0x3f000000)); /* [0.5, 1) */
  v128_t small = wasm_f32x4_lt(m, F4(0.707106781186547524f));
  e = wasm_i32x4_add(e, small); /* mask is -1 where small */
  v128_t f = wasm_f32x4_sub(f4_select(small, wasm_f32x4_add(m, m), m), F4(1.0f));
  v128_t ef = wasm_f32x4_convert_i32x4(e);
  v128_t z = wasm_f32x4_mul(f, f);
  v128_t y = F4(7.0376836292E-2f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, f), F4(-1.1514610310E-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, f), F4(1.1676998740E-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, f), F4(-1.2420140846E-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, f), F4(1.4249322787E-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, f), F4(-1.6668057665E-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, f), F4(2.0000714765E-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, f), F4(-2.4999993993E-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, f), F4(3.3333331174E-1f));
  y = wasm_f32x4_mul(wasm_f32x4_mul(y, f), z);
  y = wasm_f32x4_add(y, wasm_f32x4_mul(ef, F4(-2.12194440e-4f)));
  y = wasm_f32x4_sub(y, wasm_f32x4_mul(z, F4(0.5f)));
  v128_t r = wasm_f32x4_add(wasm_f32x4_add(f, y), wasm_f32x4_mul(ef, F4(0.693359375f)));
  /* Special values: log(0) = -inf, log(x<0) = NaN, log(inf) = inf, log(NaN) = NaN. */
  r = f4_select(wasm_f32x4_eq(x, F4(0.0f)), F4(-__builtin_inff()), r);
  r = f4_select(wasm_f32x4_lt(x, F4(0.0f)), F4(__builtin_nanf("")), r);
  r = f4_select(wasm_f32x4_eq(x, F4(__builtin_inff())), x, r);
  return f4_select(f4_isnan(x), x, r);
}

/* log1p(x) = log(w) * x / (w - 1) with w = 1 + x: the rounding error of w cancels (Goldberg). */
INLINE v128_t f4_log1p(v128_t x) {
  v128_t w = wasm_f32x4_add(x, F4(1.0f));
  v128_t d = wasm_f32x4_sub(w, F4(1.0f));
  v128_t r = wasm_f32x4_mul(f4_log(w), wasm_f32x4_div(x, d));
  r = f4_select(wasm_f32x4_eq(d, F4(0.0f)), x, r);
  r = f4_select(wasm_f32x4_eq(x, F4(-1.0f)), F4(-__builtin_inff()), r);
  r = f4_select(wasm_f32x4_eq(x, F4(__builtin_inff())), x, r);
  return f4_select(f4_isnan(x), x, r);
}

/* expm1(x) = (u - 1) x / log(u) with u = e^x (Kahan); exact-ish near 0, e^x - 1 elsewhere. */
INLINE v128_t f4_expm1(v128_t x) {
  v128_t u = f4_exp(x);
  v128_t um1 = wasm_f32x4_sub(u, F4(1.0f));
  v128_t r = wasm_f32x4_div(wasm_f32x4_mul(um1, x), f4_log(u));
  r = f4_select(wasm_f32x4_eq(u, F4(1.0f)), x, r);
  r = f4_select(wasm_f32x4_eq(um1, F4(-1.0f)), F4(-1.0f), r);
  r = f4_select(wasm_f32x4_gt(wasm_f32x4_abs(x), F4(0.5f)), um1, r);
  return f4_select(f4_isnan(x), x, r);
}

/* tanh: odd polynomial (Cephes tanhf) for |x| < 0.625, else sign(x) (1 - 2 / (e^(2|x|) + 1)). */
INLINE v128_t f4_tanh(v128_t x) {
  v128_t ax = wasm_f32x4_abs(x);
  v128_t z = wasm_f32x4_mul(x, x);
  v128_t p = F4(-5.70498872745E-3f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), F4(2.06390887954E-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), F4(-5.37397155531E-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), F4(1.33314422036E-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), F4(-3.33332819422E-1f));
  v128_t small = wasm_f32x4_add(x, wasm_f32x4_mul(wasm_f32x4_mul(x, z), p));
  v128_t e = f4_exp(wasm_f32x4_add(ax, ax));
  v128_t big = wasm_f32x4_sub(F4(1.0f), wasm_f32x4_div(F4(2.0f), wasm_f32x4_add(e, F4(1.0f))));
  big = wasm_v128_or(big, wasm_v128_and(x, I4(0x80000000))); /* copy the sign */
  v128_t r = f4_select(wasm_f32x4_lt(ax, F4(0.625f)), small, big);
  r = f4_select(wasm_f32x4_eq(x, F4(0.0f)), x, r); /* tanh(-0) = -0 */
  return f4_select(f4_isnan(x), x, r);
}

/* sigmoid: 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) for x < 0, so neither side loses precision. */
INLINE v128_t f4_sigmoid(v128_t x) {
  v128_t e = f4_exp(wasm_f32x4_neg(wasm_f32x4_abs(x)));
  v128_t d = wasm_f32x4_add(F4(1.0f), e);
  v128_t pos = wasm_f32x4_div(F4(1.0f), d);
  v128_t neg = wasm_f32x4_div(e, d);
  return f4_select(wasm_f32x4_lt(x, F4(0.0f)), neg, pos);
}

/* softplus: max(x, 0) + log1p(e^-|x|). */
INLINE v128_t f4_softplus(v128_t x) {
  v128_t r = wasm_f32x4_add(wasm_f32x4_max(x, F4(0.0f)), f4_log1p(f4_exp(wasm_f32x4_neg(wasm_f32x4_abs(x)))));
  return f4_select(f4_isnan(x), x, r);
}

#endif
