/* Optimizer updates fused into one pass over a parameter, mirroring src/optim's per-leaf functions
 * operation by operation (same order, same float32 rounding of each step), so the fused and the
 * unfused paths agree to the last bit on IEEE-exact operations. Null inputs/outputs are pointer 0. */
#include "common.h"

/* adamLeafUpdate: gg = g + p l2; m1 = m b1 + gg (1 - b1); v1 = v b2 + (gg gg)(1 - b2); vmax1 = max(vmax, v1);
 * denom = sqrt(vmax1 or v1) / bc2Sqrt + eps; u = (m1 / denom) stepScale - p decoupled.
 * omb1 = 1 - b1 and omb2 = 1 - b2 are passed in, rounded as the unfused path rounds them. */
#define DEFINE_ADAM(NAME, T, L, SPLAT, ADD, SUB, MUL, DIV, SQRT, MAX, EXTRACT)                     \
  EXPORT(NAME) void NAME(const T *g, const T *p, const T *m, const T *v, const T *vmax, T *u, T *mo, T *vo, T *vmaxo, int n, \
                         T b1, T omb1, T b2, T omb2, T eps, T stepScale, T bc2Sqrt, T l2, T decoupled) {      \
    v128_t vb1 = SPLAT(b1), vomb1 = SPLAT(omb1), vb2 = SPLAT(b2), vomb2 = SPLAT(omb2), veps = SPLAT(eps);          \
    v128_t vss = SPLAT(stepScale), vbc = SPLAT(bc2Sqrt), vl2 = SPLAT(l2), vdec = SPLAT(decoupled);                \
    int i = 0;                                                                                                    \
    for (; i + L <= n; i += L) {                                                                                  \
      v128_t gg = wasm_v128_load(g + i);                                                                          \
      v128_t pp = p ? wasm_v128_load(p + i) : SPLAT(0);                                                           \
      if (l2 != 0) gg = ADD(gg, MUL(pp, vl2));                                                                    \
      v128_t m1 = ADD(MUL(wasm_v128_load(m + i), vb1), MUL(gg, vomb1));                                           \
      v128_t v1 = ADD(MUL(wasm_v128_load(v + i), vb2), MUL(MUL(gg, gg), vomb2));                                  \
      v128_t den = v1;                                                                                            \
      if (vmax) {                                                                                                 \
        den = MAX(wasm_v128_load(vmax + i), v1);                                                                  \
        wasm_v128_store(vmaxo + i, den);                                                                          \
      }                                                                                                           \
      den = ADD(DIV(SQRT(den), vbc), veps);                                                                       \
      v128_t uu = MUL(DIV(m1, den), vss);                                                                         \
      if (decoupled != 0) uu = SUB(uu, MUL(pp, vdec));                                                            \
      wasm_v128_store(u + i, uu);                                                                                 \
      wasm_v128_store(mo + i, m1);                                                                                \
      wasm_v128_store(vo + i, v1);                                                                                \
    }                                                                                                             \
    for (; i < n; i++) {                                                                                          \
      v128_t gg = SPLAT(g[i]);                                                                                    \
      v128_t pp = p ? SPLAT(p[i]) : SPLAT(0);                                                                     \
      if (l2 != 0) gg = ADD(gg, MUL(pp, vl2));                                                                    \
      v128_t m1 = ADD(MUL(SPLAT(m[i]), vb1), MUL(gg, vomb1));                                                     \
      v128_t v1 = ADD(MUL(SPLAT(v[i]), vb2), MUL(MUL(gg, gg), vomb2));                                            \
      v128_t den = v1;                                                                                            \
      if (vmax) {                                                                                                 \
        den = MAX(SPLAT(vmax[i]), v1);                                                                            \
        vmaxo[i] = EXTRACT(den, 0);                                                                               \
      }                                                                                                           \
      den = ADD(DIV(SQRT(den), vbc), veps);                                                                       \
      v128_t uu = MUL(DIV(m1, den), vss);                                                                         \
      if (decoupled != 0) uu = SUB(uu, MUL(pp, vdec));                                                            \
      u[i] = EXTRACT(uu, 0);                                                                                      \
      mo[i] = EXTRACT(m1, 0);                                                                                     \
      vo[i] = EXTRACT(v1, 0);                                                                                     \
    }                                                                                                             \
  }

DEFINE_ADAM(adam_f32, f32, 4, wasm_f32x4_splat, wasm_f32x4_add, wasm_f32x4_sub, wasm_f32x4_mul, wasm_f32x4_div, wasm_f32x4_sqrt, wasm_f32x4_max, wasm_f32x4_extract_lane)
DEFINE_ADAM(adam_f64, f64, 2, wasm_f64x2_splat, wasm_f64x2_add, wasm_f64x2_sub, wasm_f64x2_mul, wasm_f64x2_div, wasm_f64x2_sqrt, wasm_f64x2_max, wasm_f64x2_extract_lane)
