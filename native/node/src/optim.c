/* The fused Adam step (isa/adam.c), split over the pool for large parameters. */
#include "kernels.h"
#include "pool.h"

#define CHUNK (1L << 15)
#define PAR_MIN (1L << 16)

typedef struct {
  int dt;
  const void *g, *p, *m, *v, *vmax;
  void *u, *mo, *vo, *vmaxo;
  long n;
  const gn_adam_k *k;
} adam_t;

#define AT(P, T, I) ((P) ? (T *)(P) + (I) : NULL)

static void run(adam_t *a, long i0, long len) {
  if (a->dt == GN_F32)
    gn_isa_now->adam_f32(AT(a->g, const float, i0), AT(a->p, const float, i0), AT(a->m, const float, i0), AT(a->v, const float, i0),
                         AT(a->vmax, const float, i0), AT(a->u, float, i0), AT(a->mo, float, i0), AT(a->vo, float, i0), AT(a->vmaxo, float, i0), len, a->k);
  else
    gn_isa_now->adam_f64(AT(a->g, const double, i0), AT(a->p, const double, i0), AT(a->m, const double, i0), AT(a->v, const double, i0),
                         AT(a->vmax, const double, i0), AT(a->u, double, i0), AT(a->mo, double, i0), AT(a->vo, double, i0), AT(a->vmaxo, double, i0), len, a->k);
}

static void task(void *ctx, long t) {
  adam_t *a = ctx;
  long i0 = t * CHUNK;
  run(a, i0, a->n - i0 < CHUNK ? a->n - i0 : CHUNK);
}

void gn_adam(int dt, const void *g, const void *p, const void *m, const void *v, const void *vmax, void *u, void *mo, void *vo, void *vmaxo, long n, const gn_adam_k *k) {
  adam_t a = {dt, g, p, m, v, vmax, u, mo, vo, vmaxo, n, k};
  if (n >= PAR_MIN && gn_threads() > 1 && !gn_in_parallel()) gn_parallel((n + CHUNK - 1) / CHUNK, task, &a);
  else run(&a, 0, n);
}
