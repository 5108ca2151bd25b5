/* Shared definitions for gradnav's WebAssembly kernels. No libc: -nostdlib, so memcpy/memset come
 * from the compiler as memory.copy / memory.fill (bulk-memory). Sizes are element counts (int). */
#ifndef GN_COMMON_H
#define GN_COMMON_H
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

typedef float f32;
typedef double f64;
typedef int32_t i32;
typedef uint8_t u8;

/* Provided by the compiler with -mbulk-memory. */
void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);

/* Maximum rank the strided kernels accept after collapsing (the JS side collapses adjacent axes). */
#define GN_MAX_RANK 16

#endif
