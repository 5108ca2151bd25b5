/* memcpy/memset for clang's builtin lowering: with bulk-memory they become single instructions. */
#include "common.h"

void *memcpy(void *dst, const void *src, unsigned long n) {
  __builtin_memcpy(dst, src, n);
  return dst;
}
void *memset(void *dst, int c, unsigned long n) {
  __builtin_memset(dst, c, n);
  return dst;
}
