#!/usr/bin/env bash
# Builds gradnav's WebAssembly kernels (native/wasm/*.c) with Debian's clang and wasm-ld into two
# modules, and embeds them as base64 in src/backends/wasm/binary.generated.ts:
#   native/wasm/gradnav.wasm     single-threaded (its own, non-shared memory: runs everywhere)
#   native/wasm/gradnav-mt.wasm  imports a shared memory (worker threads; needs SharedArrayBuffer)
# The build is reproducible: fixed flags, no debug info, no timestamps, names and producers stripped.
# CI rebuilds and compares with the committed files (`scripts/build-wasm.sh --check`).
# Usage: scripts/build-wasm.sh [--check] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

CHECK=0
OUT=native/wasm
while [ $# -gt 0 ]; do
  case "$1" in
    --check) CHECK=1; OUT=$(mktemp -d) ;;
    --out) OUT="$2"; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

CLANG=${CLANG:-clang}
WASMLD=${WASMLD:-wasm-ld}
ver=$("$CLANG" --version | head -1)
case "$ver" in
  *"clang version 14."*) ;;
  *) echo "warning: expected clang 14 (the committed .wasm was built with it), found: $ver" >&2 ;;
esac

SOURCES="memory elementwise reduce movement matmul conv optim"
CFLAGS="--target=wasm32 -O3 -nostdlib -ffreestanding -fno-builtin-memcpy -msimd128 -mbulk-memory -mmutable-globals -mnontrapping-fptoint -msign-ext -Wall -Werror"
LDFLAGS="--no-entry --import-memory --strip-all -z stack-size=65536 --export=__heap_base --export=__data_end"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

build() { # name extra-cflags extra-ldflags
  local name=$1 cf=$2 lf=$3 objs=""
  for s in $SOURCES; do
    "$CLANG" $CFLAGS $cf -c "native/wasm/$s.c" -o "$tmp/$name-$s.o"
    objs="$objs $tmp/$name-$s.o"
  done
  "$WASMLD" $LDFLAGS $lf $objs -o "$OUT/$name.wasm"
}

build gradnav "" ""
build gradnav-mt "-matomics -pthread" "--shared-memory --max-memory=4294967296 --export=__stack_pointer"

node scripts/embed-wasm.mjs "$OUT/gradnav.wasm" "$OUT/gradnav-mt.wasm" > "$OUT/binary.generated.ts"

if [ $CHECK = 1 ]; then
  status=0
  for f in gradnav.wasm gradnav-mt.wasm; do
    cmp "$OUT/$f" "native/wasm/$f" || { echo "native/wasm/$f differs from a fresh build: run scripts/build-wasm.sh and commit" >&2; status=1; }
  done
  cmp "$OUT/binary.generated.ts" src/backends/wasm/binary.generated.ts || { echo "src/backends/wasm/binary.generated.ts differs from a fresh build: run scripts/build-wasm.sh and commit" >&2; status=1; }
  rm -rf "$OUT"
  [ $status = 0 ] && echo "wasm build matches the committed files"
  exit $status
fi
mv "$OUT/binary.generated.ts" src/backends/wasm/binary.generated.ts
ls -l native/wasm/*.wasm
