# Builds gradnav's native backend (npm run build:native -> scripts/build-native.mjs -> node-gyp).
# The kernels in src/isa/ are compiled once per instruction set with that set's flags, into three
# static libraries linked side by side; src/cpu.c picks one at load time. Only the C compiler, the
# C library and Node's own headers are needed: no BLAS, no download.
{
  "variables": {
    "gn_cflags": ["-O3", "-std=gnu11", "-fPIC", "-ffp-contract=off", "-fno-math-errno", "-fvisibility=hidden",
                  "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-unknown-pragmas"],
    "gn_isa_sources": ["src/isa/unary.c", "src/isa/binary.c", "src/isa/reduce.c", "src/isa/adam.c",
                       "src/isa/gemm_ukr.c", "src/isa/table.c"]
  },
  "target_defaults": {
    "cflags": ["<@(gn_cflags)"],
    "cflags!": ["-O2"],
    "xcode_settings": {"OTHER_CFLAGS": ["<@(gn_cflags)"], "GCC_OPTIMIZATION_LEVEL": "3"}
  },
  "targets": [
    {
      "target_name": "gn_isa_generic",
      "type": "static_library",
      "sources": ["<@(gn_isa_sources)"],
      "defines": ["GN_ISA=generic"]
    },
    {
      "target_name": "gn_isa_avx2",
      "type": "static_library",
      "sources": ["<@(gn_isa_sources)"],
      "defines": ["GN_ISA=avx2"],
      "cflags": ["-mavx2", "-mfma"],
      "xcode_settings": {"OTHER_CFLAGS": ["-mavx2", "-mfma"]}
    },
    {
      "target_name": "gn_isa_avx512",
      "type": "static_library",
      "sources": ["<@(gn_isa_sources)"],
      "defines": ["GN_ISA=avx512"],
      "cflags": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma"],
      "xcode_settings": {"OTHER_CFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma"]}
    },
    {
      "target_name": "gradnav_native",
      "sources": ["src/addon.c", "src/cpu.c", "src/pool.c", "src/gemm.c", "src/strided.c", "src/elementwise.c",
                  "src/movement.c", "src/reduce.c", "src/conv.c", "src/pool2d.c", "src/indexing.c", "src/optim.c"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["gn_isa_generic", "gn_isa_avx2", "gn_isa_avx512"]
        }, {
          "dependencies": ["gn_isa_generic"]
        }]
      ],
      "libraries": ["-lm", "-lpthread"]
    }
  ]
}
