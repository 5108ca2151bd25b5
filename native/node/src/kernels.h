/* The kernels addon.c calls: shape loops, threads and the ISA table around the per-ISA inner loops.
 * Every pointer has been checked against its typed array's length by addon.c before the call. */
#ifndef GN_KERNELS_H
#define GN_KERNELS_H
#include "common.h"
#include "isa/isa.h"

/* The kernel table in use (cpu.c). */
extern const gn_isa *gn_isa_now;
/* Picks the best table this CPU runs; returns its name. */
const char *gn_isa_init(void);
/* Switches to the named table ("avx512", "avx2", "generic"); 0 when the CPU lacks it. */
int gn_isa_select(const char *name);
/* Names of the tables this CPU runs, best first, separated by commas. */
const char *gn_isa_supported(void);

/* C[m x n] (row stride ldc) = (or += when accumulate) A B, with A(i, p) = a[i rsa + p csa] and
 * B(p, j) = b[p rsb + j csb]. Large products are split over the pool unless serial is set.
 * Returns 0, or -1 when a packing buffer could not be allocated. */
int gn_gemm_f32(long m, long n, long k, const float *a, long rsa, long csa, const float *b, long rsb, long csb, float *c, long ldc, int accumulate, int serial);
int gn_gemm_f64(long m, long n, long k, const double *a, long rsa, long csa, const double *b, long rsb, long csb, double *c, long ldc, int accumulate, int serial);

/* Elementwise over contiguous arrays (split over the pool when long). */
void gn_unary(int dt, int op, const void *x, void *y, long n);
/* Broadcasting elementwise ops over collapsed shapes: shape[rank], then one stride array per operand. */
void gn_binary(int dt, int op, const void *a, const void *b, void *y, int rank, const long *shape, const long *sa, const long *sb);
void gn_compare(int dt, int op, const void *a, const void *b, uint8_t *y, int rank, const long *shape, const long *sa, const long *sb);
void gn_where(int width, const uint8_t *c, const void *a, const void *b, void *y, int rank, const long *shape, const long *sc, const long *sa, const long *sb);
void gn_cast(const void *x, int from, void *y, int to, long n);
void gn_reduce(int dt, int op, const void *x, void *y, long outer, long red, long inner);
void gn_log_softmax(int dt, const void *x, void *y, long outer, long n, long inner);
/* Strided copy of `shape` elements of `width` bytes: dst[offsets by ds] = src[offsets by ss]. */
void gn_copy(int width, const void *src, void *dst, int rank, const long *shape, const long *ss, const long *ds);
/* batch x [m x n] -> batch x [n x m]. */
void gn_transpose(int width, const void *src, void *dst, long batch, long m, long n);

/* Convolution geometry (the primitives' params, src/ops/prims/conv.ts). */
typedef struct {
  long n, c, h, w;     /* input [N, C, H, W] */
  long o, cg, kh, kw;  /* filter [O, C / groups, KH, KW] */
  long oh, ow;         /* output spatial size */
  long sh, sw, top, left, dh, dw, groups;
} gn_conv_geom;
enum { CONV_FORWARD, CONV_GRAD_INPUT, CONV_GRAD_FILTER };
/* mode FORWARD: y = conv(x, w); GRAD_INPUT: x = conv^T(y, w); GRAD_FILTER: w = corr(x, y). The output
 * (y, x or w) is overwritten. Returns 0, or -1 when out of memory. */
int gn_conv2d(int dt, int mode, void *x, void *w, void *y, const gn_conv_geom *g);
/* Window argmax of x [planes, h, w] into y [planes, oh, ow] (index within the plane; first max; NaN wins). */
void gn_maxpool_argmax(int dt, const void *x, int32_t *y, long planes, long h, long w, long oh, long ow, long kh, long kw, long sh, long sw, long dh, long dw);

/* Gathers/scatters along an axis; return 0 when an index is out of range (the caller then lets the
 * reference kernel throw its error). */
int gn_take_along(int width, const void *x, const int32_t *idx, void *y, long outer, long n, long m, long inner);
int gn_scatter_add_along(int dt, const int32_t *idx, const void *upd, void *y, long outer, long m, long dim, long inner);

void gn_adam(int dt, const void *g, const void *p, const void *m, const void *v, const void *vmax, void *u, void *mo, void *vo, void *vmaxo, long n, const gn_adam_k *k);

#endif
