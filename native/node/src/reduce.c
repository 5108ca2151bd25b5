/* Reductions over [outer, red, inner] blocks (isa/reduce.c), split over the pool by outer rows when
 * large. */
#include <math.h>
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

/* log(softmax) over the middle axis of x seen as [outer, n, inner], the reference's algorithm in
 * double with libm: shift by the line's maximum (NaN if any is NaN; 0 when the maximum is not finite,
 * so that inf - inf never appears), lse = log(sum exp(x - shift)) + shift, y = x - lse rounded once.
 * Small in practice (logits [batch, classes]), so on the calling thread. A float32 version on vector
 * exp measured slower on rows of 10 (its per-row shuffling outweighed the exps), so there is none. */
void gn_log_softmax(int dt, const void *x, void *y, long outer, long n, long inner) {
  for (long o = 0; o < outer; o++)
    for (long i = 0; i < inner; i++) {
      const long base = o * n * inner + i;
#define AT(k) (dt == GN_F32 ? (double)((const float *)x)[base + (k) * inner] : ((const double *)x)[base + (k) * inner])
      double m = -INFINITY;
      for (long k = 0; k < n; k++) {
        const double v = AT(k);
        m = (m != m || v != v) ? NAN : (v > m ? v : m);
      }
      const double shift = m - m == 0 ? m : 0;
      double s = 0;
      for (long k = 0; k < n; k++) s += exp(AT(k) - shift);
      const double lse = log(s) + shift;
      for (long k = 0; k < n; k++) {
        if (dt == GN_F32) ((float *)y)[base + k * inner] = (float)(AT(k) - lse);
        else ((double *)y)[base + k * inner] = AT(k) - lse;
      }
#undef AT
    }
}
