/* The Node-API face of gradnav's native kernels. Every function works on typed arrays the caller
 * owns (the tensors' storage: no copy in or out) and is synchronous: the JavaScript thread waits
 * while the pool's threads work, so no buffer can move or be collected meanwhile.
 *
 * Shapes, strides and geometry travel through two small typed arrays shared once at `init` (int32
 * metadata and float64 scalars), so a call passes only op codes and arrays. The hottest calls (unary,
 * binary, compare, matmul, logSoftmax, dots) take even their integers from the metadata's last slots (SCALARS_AT):
 * each Node-API value read costs about 10 ns, a few times the kernel of a tiny op. Every length is checked
 * against the arrays before a kernel runs: a bad call throws a RangeError instead of touching memory
 * it does not own. */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"
#include "pool.h"

/* Bumped whenever a function's arguments change (src/backends/native/addon.ts: NATIVE_ABI). */
#define GN_ABI 5

typedef struct {
  int32_t *mi;
  size_t mi_len;
  double *mf;
  size_t mf_len;
  napi_ref ri, rf;
} inst_t;

typedef struct {
  void *p;
  size_t bytes;
} view_t;

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

static size_t elem_size(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    default: return 8;
  }
}

/* A typed array's memory; optional arrays may be null/undefined (p = NULL). Returns 0 on a non-array. */
static int view(napi_env env, napi_value v, view_t *out, int optional) {
  if (optional) {
    napi_valuetype t;
    if (napi_typeof(env, v, &t) != napi_ok) return 0;
    if (t == napi_null || t == napi_undefined) {
      out->p = NULL;
      out->bytes = 0;
      return 1;
    }
  }
  napi_typedarray_type type;
  size_t len;
  void *data;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, NULL, NULL) != napi_ok) return 0;
  out->p = data;
  out->bytes = len * elem_size(type);
  return 1;
}

static long num(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return (long)x;
}

static inst_t *inst(napi_env env) {
  inst_t *s = NULL;
  napi_get_instance_data(env, (void **)&s);
  return s;
}

static const size_t DT_BYTES[4] = {4, 8, 4, 1};

#define ARGS(N)                                                                        \
  napi_value argv[N];                                                                  \
  size_t argc = N;                                                                     \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < N)     \
    return fail(env, "gradnav native: wrong number of arguments");
#define VIEW(NAME, I, OPT)                                                             \
  view_t NAME;                                                                         \
  if (!view(env, argv[I], &NAME, OPT)) return fail(env, "gradnav native: argument " #I " is not a typed array");
#define NEED(V, ELEMS, ES)                                                             \
  if ((V).p != NULL && (double)(V).bytes < (double)(ELEMS) * (double)(ES))            \
    return fail(env, "gradnav native: typed array " #V " is too short for the shape");
#define CHECK(COND, MSG) \
  if (!(COND)) return fail(env, "gradnav native: " MSG);

/* Reads `count` int32 metadata values starting at `at` as longs. */
static int meta_of(const inst_t *s, long *out, size_t at, size_t count) {
  if (s == NULL || s->mi == NULL || at + count > s->mi_len) return 0;
  for (size_t i = 0; i < count; i++) out[i] = s->mi[at + i];
  return 1;
}
static int meta(napi_env env, long *out, size_t at, size_t count) { return meta_of(inst(env), out, at, count); }

/* Where the integer arguments of unary, binary, compare, matmul, logSoftmax and dots sit in the int32 metadata
 * (src/backends/native/context.ts: SCALARS_AT), after the room shapes and strides use. */
#define SCALARS_AT 240
#define SCALARS 8
/* The call's integer arguments, or 0 when the metadata array is too short to hold them. */
static int scalars(const inst_t *s, long *out) { return meta_of(s, out, SCALARS_AT, SCALARS); }

/* 1 + the largest offset `strides` reach over `shape` (strides >= 0), 0 for an empty shape. */
static double span(int rank, const long *shape, const long *strides) {
  double hi = 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 0) return 0;
    hi += (double)(shape[d] - 1) * strides[d];
  }
  return hi + 1;
}

/* The lowest and highest offset a (possibly negative) stride set reaches. */
static int reach(int rank, const long *shape, const long *strides, double *lo, double *hi) {
  *lo = *hi = 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 0) return 0;
    double e = (double)(shape[d] - 1) * strides[d];
    if (e < 0) *lo += e;
    else *hi += e;
  }
  return 1;
}

static int float_dt(long dt) { return dt == GN_F32 || dt == GN_F64; }
static int width_ok(long w) { return w == 1 || w == 4 || w == 8; }

/* init(metaInt32, metaFloat64) -> { isa, isas, threads } */
static napi_value js_init(napi_env env, napi_callback_info info) {
  ARGS(2);
  inst_t *s = inst(env);
  napi_typedarray_type ti, tf;
  size_t li, lf;
  void *pi, *pf;
  if (napi_get_typedarray_info(env, argv[0], &ti, &li, &pi, NULL, NULL) != napi_ok || ti != napi_int32_array ||
      napi_get_typedarray_info(env, argv[1], &tf, &lf, &pf, NULL, NULL) != napi_ok || tf != napi_float64_array)
    return fail(env, "gradnav native: init expects an Int32Array and a Float64Array");
  if (s->ri) napi_delete_reference(env, s->ri);
  if (s->rf) napi_delete_reference(env, s->rf);
  napi_create_reference(env, argv[0], 1, &s->ri);
  napi_create_reference(env, argv[1], 1, &s->rf);
  s->mi = pi;
  s->mi_len = li;
  s->mf = pf;
  s->mf_len = lf;
  napi_value out, v;
  napi_create_object(env, &out);
  napi_create_string_utf8(env, gn_isa_now->name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "isa", v);
  napi_create_string_utf8(env, gn_isa_supported(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "isas", v);
  napi_create_int32(env, gn_threads(), &v);
  napi_set_named_property(env, out, "threads", v);
  return out;
}

/* setIsa(name) -> bool */
static napi_value js_set_isa(napi_env env, napi_callback_info info) {
  ARGS(1);
  char name[32];
  size_t len;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) return fail(env, "gradnav native: setIsa expects a string");
  napi_value r;
  napi_get_boolean(env, gn_isa_select(name), &r);
  return r;
}

/* setThreads(n) -> threads now used (0 restores the default) */
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  ARGS(1);
  napi_value r;
  napi_create_int32(env, gn_set_threads((int)num(env, argv[0])), &r);
  return r;
}

/* unary(x, y); scalars: op, dt */
static napi_value js_unary(napi_env env, napi_callback_info info) {
  ARGS(2);
  long sc[SCALARS];
  CHECK(scalars(inst(env), sc), "unary: no metadata");
  long op = sc[0], dt = sc[1];
  VIEW(x, 0, 0);
  VIEW(y, 1, 0);
  CHECK(op >= 0 && op < U_COUNT && float_dt(dt), "unary: bad op or dtype");
  long n = (long)(y.bytes / DT_BYTES[dt]);
  NEED(x, n, DT_BYTES[dt]);
  gn_unary((int)dt, (int)op, x.p, y.p, n);
  return NULL;
}

/* Reads shape and `nops` stride sets of a collapsed broadcast from the metadata. */
static int broadcast_meta_of(const inst_t *s, long rank, long *shape, long (*strides)[GN_MAX_RANK], int nops) {
  if (rank < 1 || rank > GN_MAX_RANK) return 0;
  if (!meta_of(s, shape, 0, (size_t)rank)) return 0;
  for (int k = 0; k < nops; k++)
    if (!meta_of(s, strides[k], (size_t)rank * (k + 1), (size_t)rank)) return 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] < 0) return 0;
    for (int k = 0; k < nops; k++)
      if (strides[k][d] < 0) return 0;
  }
  return 1;
}

static int broadcast_meta(napi_env env, long rank, long *shape, long (*strides)[GN_MAX_RANK], int nops) {
  return broadcast_meta_of(inst(env), rank, shape, strides, nops);
}

/* binary(a, b, y) and compare(a, b, y); scalars: op, dt, rank; metadata: shape, sa, sb. */
static napi_value binary_or_compare(napi_env env, napi_callback_info info, int compare) {
  ARGS(3);
  const inst_t *s = inst(env);
  long sc[SCALARS];
  CHECK(scalars(s, sc), "binary: no metadata");
  long op = sc[0], dt = sc[1], rank = sc[2];
  VIEW(a, 0, 0);
  VIEW(b, 1, 0);
  VIEW(y, 2, 0);
  long shape[GN_MAX_RANK], st[2][GN_MAX_RANK];
  CHECK(broadcast_meta_of(s, rank, shape, st, 2), "binary: bad shape metadata");
  CHECK(compare ? (op >= 0 && op < C_COUNT && dt >= 0 && dt <= GN_I32) : (op >= 0 && op < B_COUNT && float_dt(dt)), "binary: bad op or dtype");
  double total = 1;
  for (int d = 0; d < rank; d++) total *= shape[d];
  NEED(a, span((int)rank, shape, st[0]), DT_BYTES[dt]);
  NEED(b, span((int)rank, shape, st[1]), DT_BYTES[dt]);
  NEED(y, total, compare ? 1 : DT_BYTES[dt]);
  if (compare) gn_compare((int)dt, (int)op, a.p, b.p, y.p, (int)rank, shape, st[0], st[1]);
  else gn_binary((int)dt, (int)op, a.p, b.p, y.p, (int)rank, shape, st[0], st[1]);
  return NULL;
}
static napi_value js_binary(napi_env env, napi_callback_info info) { return binary_or_compare(env, info, 0); }
static napi_value js_compare(napi_env env, napi_callback_info info) { return binary_or_compare(env, info, 1); }

/* where(width, c, a, b, y, rank); metadata: shape, sc, sa, sb. */
static napi_value js_where(napi_env env, napi_callback_info info) {
  ARGS(6);
  long w = num(env, argv[0]), rank = num(env, argv[5]);
  VIEW(c, 1, 0);
  VIEW(a, 2, 0);
  VIEW(b, 3, 0);
  VIEW(y, 4, 0);
  long shape[GN_MAX_RANK], st[3][GN_MAX_RANK];
  CHECK(width_ok(w) && broadcast_meta(env, rank, shape, st, 3), "where: bad width or metadata");
  double total = 1;
  for (int d = 0; d < rank; d++) total *= shape[d];
  NEED(c, span((int)rank, shape, st[0]), 1);
  NEED(a, span((int)rank, shape, st[1]), w);
  NEED(b, span((int)rank, shape, st[2]), w);
  NEED(y, total, w);
  gn_where((int)w, c.p, a.p, b.p, y.p, (int)rank, shape, st[0], st[1], st[2]);
  return NULL;
}

/* cast(x, from, y, to) */
static napi_value js_cast(napi_env env, napi_callback_info info) {
  ARGS(4);
  long from = num(env, argv[1]), to = num(env, argv[3]);
  VIEW(x, 0, 0);
  VIEW(y, 2, 0);
  CHECK(from >= 0 && from <= GN_BOOL && to >= 0 && to <= GN_BOOL, "cast: bad dtype");
  long n = (long)(y.bytes / DT_BYTES[to]);
  NEED(x, n, DT_BYTES[from]);
  gn_cast(x.p, (int)from, y.p, (int)to, n);
  return NULL;
}

/* reduce(op, dt, x, y, outer, red, inner) */
static napi_value js_reduce(napi_env env, napi_callback_info info) {
  ARGS(7);
  long op = num(env, argv[0]), dt = num(env, argv[1]);
  VIEW(x, 2, 0);
  VIEW(y, 3, 0);
  long outer = num(env, argv[4]), red = num(env, argv[5]), inner = num(env, argv[6]);
  CHECK(op >= R_SUM && op <= R_MIN && float_dt(dt) && outer >= 0 && red >= 0 && inner >= 0, "reduce: bad arguments");
  NEED(x, (double)outer * red * inner, DT_BYTES[dt]);
  NEED(y, (double)outer * inner, DT_BYTES[dt]);
  gn_reduce((int)dt, (int)op, x.p, y.p, outer, red, inner);
  return NULL;
}

/* logSoftmax(x, y); scalars: dt, outer, n, inner (x and y are [outer, n, inner], over n) */
static napi_value js_log_softmax(napi_env env, napi_callback_info info) {
  ARGS(2);
  long sc[SCALARS];
  CHECK(scalars(inst(env), sc), "logSoftmax: no metadata");
  long dt = sc[0], outer = sc[1], n = sc[2], inner = sc[3];
  VIEW(x, 0, 0);
  VIEW(y, 1, 0);
  CHECK(float_dt(dt) && outer >= 0 && n >= 0 && inner >= 0, "logSoftmax: bad arguments");
  NEED(x, (double)outer * n * inner, DT_BYTES[dt]);
  NEED(y, (double)outer * n * inner, DT_BYTES[dt]);
  gn_log_softmax((int)dt, x.p, y.p, outer, n, inner);
  return NULL;
}

/* copy(width, src, srcOffset, dst, dstOffset, rank); metadata: shape, src strides, dst strides (may be negative). */
static napi_value js_copy(napi_env env, napi_callback_info info) {
  ARGS(6);
  long w = num(env, argv[0]), so = num(env, argv[2]), dof = num(env, argv[4]), rank = num(env, argv[5]);
  VIEW(src, 1, 0);
  VIEW(dst, 3, 0);
  long shape[GN_MAX_RANK], ss[GN_MAX_RANK], ds[GN_MAX_RANK];
  CHECK(width_ok(w) && rank >= 1 && rank <= GN_MAX_RANK && meta(env, shape, 0, rank) && meta(env, ss, rank, rank) && meta(env, ds, 2 * rank, rank), "copy: bad metadata");
  for (int d = 0; d < rank; d++) CHECK(shape[d] >= 0, "copy: negative size");
  double lo, hi;
  if (!reach((int)rank, shape, ss, &lo, &hi)) return NULL;
  CHECK(so + lo >= 0 && (so + hi + 1) * w <= (double)src.bytes, "copy: source out of range");
  reach((int)rank, shape, ds, &lo, &hi);
  CHECK(dof + lo >= 0 && (dof + hi + 1) * w <= (double)dst.bytes, "copy: destination out of range");
  gn_copy((int)w, (const char *)src.p + so * w, (char *)dst.p + dof * w, (int)rank, shape, ss, ds);
  return NULL;
}

/* transpose(width, src, dst, batch, m, n) */
static napi_value js_transpose(napi_env env, napi_callback_info info) {
  ARGS(6);
  long w = num(env, argv[0]), batch = num(env, argv[3]), m = num(env, argv[4]), n = num(env, argv[5]);
  VIEW(src, 1, 0);
  VIEW(dst, 2, 0);
  CHECK(width_ok(w) && batch >= 0 && m >= 0 && n >= 0, "transpose: bad arguments");
  NEED(src, (double)batch * m * n, w);
  NEED(dst, (double)batch * m * n, w);
  gn_transpose((int)w, src.p, dst.p, batch, m, n);
  return NULL;
}

static napi_value oom(napi_env env) {
  napi_throw_error(env, "ERR_GRADNAV_NATIVE_MEMORY", "gradnav native: out of memory for a kernel's workspace");
  return NULL;
}

/* matmul(a, b, c); scalars: dt, batch, m, n, k, ta, tb: c[t] = a[t] b[t], row-major, for t < batch. With ta
 * the array a holds A's transpose ([batch, k, m]), with tb b holds B's ([batch, n, k]): a lazy
 * transpose reaches the GEMM as strides, which its packing reads at no extra cost. */
static napi_value js_matmul(napi_env env, napi_callback_info info) {
  ARGS(3);
  long sc[SCALARS];
  CHECK(scalars(inst(env), sc), "matmul: no metadata");
  long dt = sc[0], batch = sc[1], m = sc[2], n = sc[3], k = sc[4], ta = sc[5], tb = sc[6];
  VIEW(a, 0, 0);
  VIEW(b, 1, 0);
  VIEW(c, 2, 0);
  CHECK(float_dt(dt) && batch >= 0 && m >= 0 && n >= 0 && k >= 0, "matmul: bad arguments");
  NEED(a, (double)batch * m * k, DT_BYTES[dt]);
  NEED(b, (double)batch * k * n, DT_BYTES[dt]);
  NEED(c, (double)batch * m * n, DT_BYTES[dt]);
  const long rsa = ta ? 1 : k, csa = ta ? m : 1, rsb = tb ? 1 : n, csb = tb ? k : 1;
  for (long t = 0; t < batch; t++) {
    int rc = dt == GN_F32 ? gn_gemm_f32(m, n, k, (const float *)a.p + t * m * k, rsa, csa, (const float *)b.p + t * k * n, rsb, csb, (float *)c.p + t * m * n, n, 0, 0)
                          : gn_gemm_f64(m, n, k, (const double *)a.p + t * m * k, rsa, csa, (const double *)b.p + t * k * n, rsb, csb, (double *)c.p + t * m * n, n, 0, 0);
    if (rc != 0) return oom(env);
  }
  return NULL;
}

/* conv(mode, dt, x, w, y); metadata: n c h w  o cg kh kw  oh ow  sh sw top left dh dw groups. The
 * array the mode computes (y, x or w) is overwritten. */
static napi_value js_conv(napi_env env, napi_callback_info info) {
  ARGS(5);
  long mode = num(env, argv[0]), dt = num(env, argv[1]);
  VIEW(x, 2, 0);
  VIEW(w, 3, 0);
  VIEW(y, 4, 0);
  long v[17];
  CHECK(mode >= CONV_FORWARD && mode <= CONV_GRAD_FILTER && float_dt(dt) && meta(env, v, 0, 17), "conv: bad arguments");
  gn_conv_geom g = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
  for (int i = 0; i < 17; i++) CHECK(v[i] >= 0, "conv: negative geometry");
  CHECK(g.groups >= 1 && g.cg * g.groups == g.c && g.o % g.groups == 0 && g.sh >= 1 && g.sw >= 1 && g.dh >= 1 && g.dw >= 1, "conv: inconsistent geometry");
  NEED(x, (double)g.n * g.c * g.h * g.w, DT_BYTES[dt]);
  NEED(w, (double)g.o * g.cg * g.kh * g.kw, DT_BYTES[dt]);
  NEED(y, (double)g.n * g.o * g.oh * g.ow, DT_BYTES[dt]);
  if (gn_conv2d((int)dt, (int)mode, x.p, w.p, y.p, &g) != 0) return oom(env);
  return NULL;
}

/* maxpool(dt, x, y); metadata: planes h w oh ow kh kw sh sw dh dw */
static napi_value js_maxpool(napi_env env, napi_callback_info info) {
  ARGS(3);
  long dt = num(env, argv[0]);
  VIEW(x, 1, 0);
  VIEW(y, 2, 0);
  long v[11];
  CHECK(float_dt(dt) && meta(env, v, 0, 11), "maxpool: bad arguments");
  for (int i = 0; i < 11; i++) CHECK(v[i] >= 0, "maxpool: negative geometry");
  const long planes = v[0], h = v[1], w = v[2], oh = v[3], ow = v[4], kh = v[5], kw = v[6], sh = v[7], sw = v[8], dh = v[9], dw = v[10];
  CHECK(kh >= 1 && kw >= 1 && (oh == 0 || (oh - 1) * sh + (kh - 1) * dh < h) && (ow == 0 || (ow - 1) * sw + (kw - 1) * dw < w), "maxpool: windows leave the input");
  NEED(x, (double)planes * h * w, DT_BYTES[dt]);
  NEED(y, (double)planes * oh * ow, 4);
  gn_maxpool_argmax((int)dt, x.p, y.p, planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw);
  return NULL;
}

/* takeAlong(width, x, idx, y, outer, n, m, inner) -> false when an index is out of range */
static napi_value js_take_along(napi_env env, napi_callback_info info) {
  ARGS(8);
  long w = num(env, argv[0]), outer = num(env, argv[4]), n = num(env, argv[5]), m = num(env, argv[6]), inner = num(env, argv[7]);
  VIEW(x, 1, 0);
  VIEW(idx, 2, 0);
  VIEW(y, 3, 0);
  CHECK(width_ok(w) && outer >= 0 && n >= 0 && m >= 0 && inner >= 0, "takeAlong: bad arguments");
  NEED(x, (double)outer * n * inner, w);
  NEED(idx, (double)outer * m * inner, 4);
  NEED(y, (double)outer * m * inner, w);
  napi_value r;
  napi_get_boolean(env, gn_take_along((int)w, x.p, idx.p, y.p, outer, n, m, inner), &r);
  return r;
}

/* scatterAlong(dt, idx, upd, y, outer, m, dim, inner) -> false when an index is out of range */
static napi_value js_scatter_along(napi_env env, napi_callback_info info) {
  ARGS(8);
  long dt = num(env, argv[0]), outer = num(env, argv[4]), m = num(env, argv[5]), dim = num(env, argv[6]), inner = num(env, argv[7]);
  VIEW(idx, 1, 0);
  VIEW(upd, 2, 0);
  VIEW(y, 3, 0);
  CHECK(float_dt(dt) && outer >= 0 && m >= 0 && dim >= 0 && inner >= 0, "scatterAlong: bad arguments");
  NEED(idx, (double)outer * m * inner, 4);
  NEED(upd, (double)outer * m * inner, DT_BYTES[dt]);
  NEED(y, (double)outer * dim * inner, DT_BYTES[dt]);
  napi_value r;
  napi_get_boolean(env, gn_scatter_add_along((int)dt, idx.p, upd.p, y.p, outer, m, dim, inner), &r);
  return r;
}

/* adam(dt, g, p, m, v, vmax, u, mo, vo, vmaxo); scalars: b1 1-b1 b2 1-b2 eps stepScale bc2Sqrt l2 decoupled */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  ARGS(10);
  long dt = num(env, argv[0]);
  VIEW(g, 1, 0);
  VIEW(p, 2, 1);
  VIEW(m, 3, 0);
  VIEW(v, 4, 0);
  VIEW(vmax, 5, 1);
  VIEW(u, 6, 0);
  VIEW(mo, 7, 0);
  VIEW(vo, 8, 0);
  VIEW(vmaxo, 9, 1);
  inst_t *s = inst(env);
  CHECK(float_dt(dt) && s->mf != NULL && s->mf_len >= 9 && (vmax.p == NULL) == (vmaxo.p == NULL), "adam: bad arguments");
  long n = (long)(g.bytes / DT_BYTES[dt]);
  NEED(p, n, DT_BYTES[dt]);
  NEED(m, n, DT_BYTES[dt]);
  NEED(v, n, DT_BYTES[dt]);
  NEED(vmax, n, DT_BYTES[dt]);
  NEED(u, n, DT_BYTES[dt]);
  NEED(mo, n, DT_BYTES[dt]);
  NEED(vo, n, DT_BYTES[dt]);
  NEED(vmaxo, n, DT_BYTES[dt]);
  const double *f = s->mf;
  gn_adam_k k = {f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]};
  gn_adam((int)dt, g.p, p.p, m.p, v.p, vmax.p, u.p, mo.p, vo.p, vmaxo.p, n, &k);
  return NULL;
}

/* dots(a, b); scalars: dt, n; writes [a.a, b.b, a.b] to the float64 metadata's first three slots */
static napi_value js_dots(napi_env env, napi_callback_info info) {
  ARGS(2);
  inst_t *s = inst(env);
  long sc[SCALARS];
  CHECK(scalars(s, sc) && s->mf != NULL && s->mf_len >= 3, "dots: no metadata");
  long dt = sc[0], n = sc[1];
  VIEW(a, 0, 0);
  VIEW(b, 1, 0);
  CHECK(float_dt(dt) && n >= 0, "dots: bad arguments");
  NEED(a, n, DT_BYTES[dt]);
  NEED(b, n, DT_BYTES[dt]);
  if (dt == GN_F32) gn_isa_now->dots3_f32(a.p, b.p, n, s->mf);
  else gn_isa_now->dots3_f64(a.p, b.p, n, s->mf);
  return NULL;
}

static void free_inst(napi_env env, void *data, void *hint) {
  inst_t *s = data;
  if (s->ri) napi_delete_reference(env, s->ri);
  if (s->rf) napi_delete_reference(env, s->rf);
  free(s);
}

NAPI_MODULE_INIT() {
  static int chosen = 0;
  if (!chosen) {
    gn_isa_init();
    chosen = 1;
  }
  inst_t *s = calloc(1, sizeof *s);
  if (s == NULL || napi_set_instance_data(env, s, free_inst, NULL) != napi_ok) return NULL;
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"init", js_init},
      {"setIsa", js_set_isa},
      {"setThreads", js_set_threads},
      {"unary", js_unary},
      {"binary", js_binary},
      {"compare", js_compare},
      {"where", js_where},
      {"cast", js_cast},
      {"reduce", js_reduce},
      {"copy", js_copy},
      {"transpose", js_transpose},
      {"matmul", js_matmul},
      {"logSoftmax", js_log_softmax},
      {"conv", js_conv},
      {"maxpool", js_maxpool},
      {"takeAlong", js_take_along},
      {"scatterAlong", js_scatter_along},
      {"adam", js_adam},
      {"dots", js_dots},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, f) != napi_ok) return NULL;
  }
  /* The calling convention's version: the loader refuses an addon built from other sources. */
  napi_value abi;
  if (napi_create_int32(env, GN_ABI, &abi) != napi_ok || napi_set_named_property(env, exports, "abi", abi) != napi_ok) return NULL;
  return exports;
}
