/* Reductions over [outer, red, inner] blocks (isa/reduce.c), split over the pool by outer rows when
 * large. */
#include "kernels.h"
#include "pool.h"

#define PAR_MIN (1L << 18)

typedef struct {
  int dt, op;
  const void *x;
  void *y;
  long outer, red, inner, parts;
} red_t;

static void rows(const red_t *r, long o0, long o1) {
  const long in = o0 * r->red * r->inner, out = o0 * r->inner;
  if (r->dt == GN_F32) gn_isa_now->reduce_f32(r->op, (const float *)r->x + in, (float *)r->y + out, o1 - o0, r->red, r->inner);
  else gn_isa_now->reduce_f64(r->op, (const double *)r->x + in, (double *)r->y + out, o1 - o0, r->red, r->inner);
}

static void task(void *ctx, long t) {
  red_t *r = ctx;
  rows(r, r->outer * t / r->parts, r->outer * (t + 1) / r->parts);
}

void gn_reduce(int dt, int op, const void *x, void *y, long outer, long red, long inner) {
  red_t r = {.dt = dt, .op = op, .x = x, .y = y, .outer = outer, .red = red, .inner = inner, .parts = 1};
  const int threads = gn_threads();
  if (outer * red * inner >= PAR_MIN && threads > 1 && outer >= threads && !gn_in_parallel()) r.parts = threads;
  if (r.parts == 1) rows(&r, 0, outer);
  else gn_parallel(r.parts, task, &r);
}
