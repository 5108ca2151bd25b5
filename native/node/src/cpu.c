/* Chooses the kernel table by what this CPU (and its operating system) supports. */
#include <string.h>
#include "kernels.h"

const gn_isa *gn_isa_now = &gn_isa_table_generic;

static int has_avx512(void) {
#ifdef GN_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

static int has_avx2(void) {
#ifdef GN_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

int gn_isa_select(const char *name) {
#ifdef GN_X86
  if (strcmp(name, "avx512") == 0 && has_avx512()) return gn_isa_now = &gn_isa_table_avx512, 1;
  if (strcmp(name, "avx2") == 0 && has_avx2()) return gn_isa_now = &gn_isa_table_avx2, 1;
#endif
  if (strcmp(name, "generic") == 0) return gn_isa_now = &gn_isa_table_generic, 1;
  return 0;
}

const char *gn_isa_supported(void) {
  if (has_avx512()) return "avx512,avx2,generic";
  if (has_avx2()) return "avx2,generic";
  return "generic";
}

const char *gn_isa_init(void) {
  if (!gn_isa_select("avx512") && !gn_isa_select("avx2")) gn_isa_select("generic");
  return gn_isa_now->name;
}
