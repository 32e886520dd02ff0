#!/usr/bin/env bash
# Configures (once) and builds attn-mlir into ./build with Ninja against
# Debian's LLVM/MLIR 22. Extra arguments are passed to the build (targets).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
LLVM_PREFIX=${LLVM_PREFIX:-/usr/lib/llvm-22}
# ccache, where installed, makes rebuilds in other worktrees cheap.
CCACHE=$(command -v ccache || true)
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
    -DLLVM_EXTERNAL_LIT="$LLVM_PREFIX/bin/lit" \
    ${CCACHE:+-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache}
fi
cmake --build "$BUILD_DIR" -- "$@"
