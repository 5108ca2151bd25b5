/* Elementwise ops: the per-ISA inner loops (isa/unary.c, isa/binary.c) over broadcast shapes, plus
 * comparisons, where and cast, which are cheap enough for the baseline instruction set. Long
 * contiguous maps are split over the pool (memory bandwidth is per core too). */
#include <math.h>
#include <string.h>
#include "kernels.h"
#include "pool.h"
#include "strided.h"

/* Contiguous maps longer than this are split into CHUNK-sized tasks. */
#define PAR_MIN (1L << 17)
#define CHUNK (1L << 15)

static long chunks(long n) { return n >= PAR_MIN && gn_threads() > 1 && !gn_in_parallel() ? (n + CHUNK - 1) / CHUNK : 1; }

typedef struct {
  int dt, op;
  const void *x, *a, *b;
  void *y;
  long n, sa, sb;
  /* Two-input maps: runs n elements at the given offsets of a, b and y. */
  void (*run)(void *ctx, const long *offs, long n);
} map_t;

static void unary_task(void *ctx, long t) {
  map_t *m = ctx;
  long i0 = t * CHUNK, len = m->n - i0 < CHUNK ? m->n - i0 : CHUNK;
  if (m->dt == GN_F32) gn_isa_now->unary_f32(m->op, (const float *)m->x + i0, (float *)m->y + i0, len);
  else gn_isa_now->unary_f64(m->op, (const double *)m->x + i0, (double *)m->y + i0, len);
}

void gn_unary(int dt, int op, const void *x, void *y, long n) {
  map_t m = {.dt = dt, .op = op, .x = x, .y = y, .n = n};
  long c = chunks(n);
  if (c == 1) {
    if (dt == GN_F32) gn_isa_now->unary_f32(op, x, y, n);
    else gn_isa_now->unary_f64(op, x, y, n);
  } else
    gn_parallel(c, unary_task, &m);
}

static void binary_run(void *ctx, const long *offs, long n) {
  map_t *m = ctx;
  if (m->dt == GN_F32)
    gn_isa_now->binary_f32(m->op, (const float *)m->a + offs[0], m->sa, (const float *)m->b + offs[1], m->sb, (float *)m->y + offs[2], n);
  else
    gn_isa_now->binary_f64(m->op, (const double *)m->a + offs[0], m->sa, (const double *)m->b + offs[1], m->sb, (double *)m->y + offs[2], n);
}

/* One contiguous chunk of a rank-1 two-input map. */
static void map2_task(void *ctx, long t) {
  map_t *m = ctx;
  long i0 = t * CHUNK, len = m->n - i0 < CHUNK ? m->n - i0 : CHUNK;
  long offs[3] = {i0 * m->sa, i0 * m->sb, i0};
  m->run(m, offs, len);
}

/* A two-input map over a broadcast shape: long contiguous ones split over the pool, the rest walked
 * by gn_strided along the innermost axis. */
static void map2(map_t *m, int rank, const long *shape, const long *sa, const long *sb) {
  long ys[GN_MAX_RANK];
  long acc = 1;
  for (int d = rank - 1; d >= 0; d--) {
    ys[d] = acc;
    acc *= shape[d];
  }
  m->sa = sa[rank - 1];
  m->sb = sb[rank - 1];
  m->n = acc;
  if (rank == 1 && chunks(acc) > 1) {
    gn_parallel(chunks(acc), map2_task, m);
    return;
  }
  const long *strides[3] = {sa, sb, ys};
  gn_strided(rank, shape, 3, strides, m->run, m);
}

void gn_binary(int dt, int op, const void *a, const void *b, void *y, int rank, const long *shape, const long *sa, const long *sb) {
  map_t m = {.dt = dt, .op = op, .a = a, .b = b, .y = y, .run = binary_run};
  map2(&m, rank, shape, sa, sb);
}

#define CMP(T, OPX)                                                                    \
  do {                                                                                 \
    const T *pa = (const T *)m->a + offs[0], *pb = (const T *)m->b + offs[1];          \
    uint8_t *py = (uint8_t *)m->y + offs[2];                                           \
    const long sa = m->sa, sb = m->sb;                                                 \
    if (sa == 1 && sb == 0) { /* contiguous, or against a scalar (relu's mask): constant strides vectorise */ \
      const T s = pb[0];                                                               \
      switch (m->op) {                                                                 \
        case C_EQ: for (long i = 0; i < n; i++) py[i] = pa[i] == s; return;            \
        case C_NE: for (long i = 0; i < n; i++) py[i] = pa[i] != s; return;            \
        case C_LT: for (long i = 0; i < n; i++) py[i] = pa[i] < s; return;             \
        case C_LE: for (long i = 0; i < n; i++) py[i] = pa[i] <= s; return;            \
        case C_GT: for (long i = 0; i < n; i++) py[i] = pa[i] > s; return;             \
        case C_GE: for (long i = 0; i < n; i++) py[i] = pa[i] >= s; return;            \
      }                                                                                \
    }                                                                                  \
    if (sa == 1 && sb == 1) {                                                          \
      switch (m->op) {                                                                 \
        case C_EQ: for (long i = 0; i < n; i++) py[i] = pa[i] == pb[i]; return;        \
        case C_NE: for (long i = 0; i < n; i++) py[i] = pa[i] != pb[i]; return;        \
        case C_LT: for (long i = 0; i < n; i++) py[i] = pa[i] < pb[i]; return;         \
        case C_LE: for (long i = 0; i < n; i++) py[i] = pa[i] <= pb[i]; return;        \
        case C_GT: for (long i = 0; i < n; i++) py[i] = pa[i] > pb[i]; return;         \
        case C_GE: for (long i = 0; i < n; i++) py[i] = pa[i] >= pb[i]; return;        \
      }                                                                                \
    }                                                                                  \
    switch (m->op) {                                                                   \
      case C_EQ: for (long i = 0; i < n; i++) py[i] = pa[i * sa] == pb[i * sb]; break; \
      case C_NE: for (long i = 0; i < n; i++) py[i] = pa[i * sa] != pb[i * sb]; break; \
      case C_LT: for (long i = 0; i < n; i++) py[i] = pa[i * sa] < pb[i * sb]; break;  \
      case C_LE: for (long i = 0; i < n; i++) py[i] = pa[i * sa] <= pb[i * sb]; break; \
      case C_GT: for (long i = 0; i < n; i++) py[i] = pa[i * sa] > pb[i * sb]; break;  \
      case C_GE: for (long i = 0; i < n; i++) py[i] = pa[i * sa] >= pb[i * sb]; break; \
    }                                                                                  \
  } while (0)

static void compare_run(void *ctx, const long *offs, long n) {
  map_t *m = ctx;
  if (m->dt == GN_F32) CMP(float, 0);
  else if (m->dt == GN_F64) CMP(double, 0);
  else CMP(int32_t, 0);
}

void gn_compare(int dt, int op, const void *a, const void *b, uint8_t *y, int rank, const long *shape, const long *sa, const long *sb) {
  map_t m = {.dt = dt, .op = op, .a = a, .b = b, .y = y, .run = compare_run};
  map2(&m, rank, shape, sa, sb);
}

typedef struct {
  int width;
  const uint8_t *c;
  const void *a, *b;
  void *y;
  long sc, sa, sb;
} where_t;

#define WHERE(T)                                                                               \
  do {                                                                                         \
    const T *pa = (const T *)w->a + offs[1], *pb = (const T *)w->b + offs[2];                  \
    T *py = (T *)w->y + offs[3];                                                               \
    for (long i = 0; i < n; i++) py[i] = pc[i * w->sc] ? pa[i * w->sa] : pb[i * w->sb];       \
  } while (0)

static void where_run(void *ctx, const long *offs, long n) {
  where_t *w = ctx;
  const uint8_t *pc = w->c + offs[0];
  if (w->width == 1) WHERE(uint8_t);
  else if (w->width == 4) WHERE(uint32_t);
  else WHERE(uint64_t);
}

void gn_where(int width, const uint8_t *c, const void *a, const void *b, void *y, int rank, const long *shape, const long *sc, const long *sa, const long *sb) {
  long ys[GN_MAX_RANK];
  long acc = 1;
  for (int d = rank - 1; d >= 0; d--) {
    ys[d] = acc;
    acc *= shape[d];
  }
  where_t w = {.width = width, .c = c, .a = a, .b = b, .y = y, .sc = sc[rank - 1], .sa = sa[rank - 1], .sb = sb[rank - 1]};
  const long *strides[4] = {sc, sa, sb, ys};
  gn_strided(rank, shape, 4, strides, where_run, &w);
}

/* JavaScript's ToInt32 (what storing into an Int32Array does): truncate, wrap modulo 2^32; NaN and
 * infinities give 0. */
static int32_t to_int32(double v) {
  if (!(v == v) || v == INFINITY || v == -INFINITY) return 0;
  double t = trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return (int32_t)t;
  double r = fmod(t, 4294967296.0);
  if (r < 0) r += 4294967296.0;
  return (int32_t)(uint32_t)r;
}

#define CAST_FROM(S)                                                                                   \
  do {                                                                                                 \
    const S *src = x;                                                                                  \
    switch (to) {                                                                                      \
      case GN_F32: for (long i = 0; i < n; i++) ((float *)y)[i] = (float)src[i]; break;                \
      case GN_F64: for (long i = 0; i < n; i++) ((double *)y)[i] = (double)src[i]; break;              \
      case GN_I32: for (long i = 0; i < n; i++) ((int32_t *)y)[i] = to_int32((double)src[i]); break;   \
      case GN_BOOL: for (long i = 0; i < n; i++) ((uint8_t *)y)[i] = src[i] != 0; break;               \
    }                                                                                                  \
  } while (0)

static void cast_run(const void *x, int from, void *y, int to, long n) {
  if (from == to) {
    static const int size[4] = {4, 8, 4, 1};
    memcpy(y, x, (size_t)n * size[from]);
    return;
  }
  switch (from) {
    case GN_F32: CAST_FROM(float); break;
    case GN_F64: CAST_FROM(double); break;
    case GN_I32: CAST_FROM(int32_t); break;
    case GN_BOOL: CAST_FROM(uint8_t); break;
  }
}

typedef struct {
  const char *x;
  char *y;
  int from, to;
  long n;
} cast_t;

static void cast_task(void *ctx, long t) {
  static const int size[4] = {4, 8, 4, 1};
  cast_t *c = ctx;
  long i0 = t * CHUNK, len = c->n - i0 < CHUNK ? c->n - i0 : CHUNK;
  cast_run(c->x + i0 * size[c->from], c->from, c->y + i0 * size[c->to], c->to, len);
}

void gn_cast(const void *x, int from, void *y, int to, long n) {
  cast_t c = {x, y, from, to, n};
  if (chunks(n) > 1) gn_parallel(chunks(n), cast_task, &c);
  else cast_run(x, from, y, to, n);
}
