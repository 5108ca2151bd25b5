/* GEMM tile sizes (MR rows x NR columns of C per micro-kernel call) of this build's instruction set. */
#ifndef GN_TILES_H
#define GN_TILES_H
#if defined(__AVX512F__)
#define MR32 12
#define NR32 32
#define MR64 12
#define NR64 16
#elif defined(__AVX2__)
#define MR32 6
#define NR32 16
#define MR64 6
#define NR64 8
#else
#define MR32 4
#define NR32 16
#define MR64 4
#define NR64 8
#endif
#endif
