/* This build's kernel table (see isa.h). */
#include "isa.h"
#include "tiles.h"

#define STR2(x) #x
#define STR(x) STR2(x)

void GN_FN(gn_ukr_f32)(long, const float *, const float *, float *, long, int, int, int);
void GN_FN(gn_ukr_f64)(long, const double *, const double *, double *, long, int, int, int);
void GN_FN(gn_small_f32)(long, long, long, const float *, long, const float *, long, float *, long);
void GN_FN(gn_small_f64)(long, long, long, const double *, long, const double *, long, double *, long);
void GN_FN(gn_dots_f32)(long, long, long, const float *, long, const float *, long, float *, long, int);
void GN_FN(gn_dots_f64)(long, long, long, const double *, long, const double *, long, double *, long, int);
void GN_FN(gn_gemv_f32)(long, long, const float *, long, const float *, float *, long, int);
void GN_FN(gn_gemv_f64)(long, long, const double *, long, const double *, double *, long, int);
void GN_FN(gn_gemvt_f32)(long, long, const float *, long, const float *, long, float *, int);
void GN_FN(gn_gemvt_f64)(long, long, const double *, long, const double *, long, double *, int);
void GN_FN(gn_unary_f32)(int, const float *, float *, long);
void GN_FN(gn_unary_f64)(int, const double *, double *, long);
void GN_FN(gn_dots3_float)(const float *, const float *, long, double *);
void GN_FN(gn_dots3_double)(const double *, const double *, long, double *);
void GN_FN(gn_binary_float)(int, const float *, long, const float *, long, float *, long);
void GN_FN(gn_binary_double)(int, const double *, long, const double *, long, double *, long);
void GN_FN(gn_reduce_float)(int, const float *, float *, long, long, long);
void GN_FN(gn_reduce_double)(int, const double *, double *, long, long, long);
void GN_FN(gn_adam_float)(const float *, const float *, const float *, const float *, const float *, float *, float *, float *, float *, long, const gn_adam_k *);
void GN_FN(gn_adam_double)(const double *, const double *, const double *, const double *, const double *, double *, double *, double *, double *, long, const gn_adam_k *);

const gn_isa GN_FN(gn_isa_table) = {
    .name = STR(GN_ISA),
    .mr_f32 = MR32,
    .nr_f32 = NR32,
    .mr_f64 = MR64,
    .nr_f64 = NR64,
    .ukr_f32 = GN_FN(gn_ukr_f32),
    .ukr_f64 = GN_FN(gn_ukr_f64),
    .small_f32 = GN_FN(gn_small_f32),
    .small_f64 = GN_FN(gn_small_f64),
    .dots_f32 = GN_FN(gn_dots_f32),
    .dots_f64 = GN_FN(gn_dots_f64),
    .gemv_f32 = GN_FN(gn_gemv_f32),
    .gemv_f64 = GN_FN(gn_gemv_f64),
    .gemvt_f32 = GN_FN(gn_gemvt_f32),
    .gemvt_f64 = GN_FN(gn_gemvt_f64),
    .unary_f32 = GN_FN(gn_unary_f32),
    .unary_f64 = GN_FN(gn_unary_f64),
    .dots3_f32 = GN_FN(gn_dots3_float),
    .dots3_f64 = GN_FN(gn_dots3_double),
    .binary_f32 = GN_FN(gn_binary_float),
    .binary_f64 = GN_FN(gn_binary_double),
    .reduce_f32 = GN_FN(gn_reduce_float),
    .reduce_f64 = GN_FN(gn_reduce_double),
    .adam_f32 = GN_FN(gn_adam_float),
    .adam_f64 = GN_FN(gn_adam_double),
};
