/* The fused Adam step, operation by operation in the same order and precision as src/optim's
 * unfused adamLeafUpdate (this file is compiled with -ffp-contract=off, so no multiply-add is fused
 * and every step rounds as the separate ops do): the two paths agree to the last bit.
 *   gg = g + p l2;  m1 = m b1 + gg (1 - b1);  v1 = v b2 + (gg gg)(1 - b2);  vmax1 = max(vmax, v1);
 *   u = (m1 / (sqrt(vmax1 or v1) / bc2Sqrt + eps)) stepScale - p decoupled */
#include <math.h>
#include "isa.h"

/* One loop per combination of the options (L2, decoupled decay, AMSGrad's vmax), with every array
 * restrict-qualified (the outputs are fresh arrays, never an input): so the compiler vectorises the
 * square roots and divisions. With the options tested inside one loop and pointers that might alias,
 * it did not: scalar sqrtss and divss, 3.6 ns an element, half of a W2 training step. */
#define ADAM_LOOP(T, SQRT, L2, DEC, VMAX)                                                             \
  for (long i = 0; i < n; i++) {                                                                     \
    T gg = g[i];                                                                                     \
    if (L2) gg = gg + p[i] * l2;                                                                     \
    T m1 = m[i] * b1 + gg * omb1;                                                                    \
    T v1 = v[i] * b2 + (gg * gg) * omb2;                                                             \
    T den = v1;                                                                                      \
    if (VMAX) {                                                                                      \
      T a = vmax[i];                                                                                 \
      den = (a != a || v1 != v1) ? a + v1 : (a > v1 ? a : v1);                                       \
      vmaxo[i] = den;                                                                                \
    }                                                                                                \
    den = SQRT(den) / bc + eps;                                                                      \
    T uu = (m1 / den) * ss;                                                                          \
    if (DEC) uu = uu - p[i] * dec;                                                                   \
    u[i] = uu;                                                                                       \
    mo[i] = m1;                                                                                      \
    vo[i] = v1;                                                                                      \
  }

#define DEFINE_ADAM(T, SQRT)                                                                                   \
  void GN_FN(gn_adam_##T)(const T *restrict g, const T *restrict p, const T *restrict m, const T *restrict v, \
                          const T *restrict vmax, T *restrict u, T *restrict mo, T *restrict vo,             \
                          T *restrict vmaxo, long n, const gn_adam_k *k) {                                   \
    const T b1 = (T)k->b1, omb1 = (T)k->omb1, b2 = (T)k->b2, omb2 = (T)k->omb2, eps = (T)k->eps;              \
    const T ss = (T)k->step_scale, bc = (T)k->bc2_sqrt, l2 = (T)k->l2, dec = (T)k->decoupled;                 \
    const int useL2 = l2 != 0 && p != 0, useDec = dec != 0 && p != 0, useMax = vmax != 0;                     \
    switch (useL2 * 4 + useDec * 2 + useMax) {                                                                \
      case 0: ADAM_LOOP(T, SQRT, 0, 0, 0) return;                                                             \
      case 1: ADAM_LOOP(T, SQRT, 0, 0, 1) return;                                                             \
      case 2: ADAM_LOOP(T, SQRT, 0, 1, 0) return;                                                             \
      case 3: ADAM_LOOP(T, SQRT, 0, 1, 1) return;                                                             \
      case 4: ADAM_LOOP(T, SQRT, 1, 0, 0) return;                                                             \
      case 5: ADAM_LOOP(T, SQRT, 1, 0, 1) return;                                                             \
      case 6: ADAM_LOOP(T, SQRT, 1, 1, 0) return;                                                             \
      default: ADAM_LOOP(T, SQRT, 1, 1, 1) return;                                                            \
    }                                                                                                         \
  }
DEFINE_ADAM(float, sqrtf)
DEFINE_ADAM(double, sqrt)
