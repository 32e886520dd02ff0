#!/usr/bin/env bash
# On the development machine: compile the GPU check modules into artifacts
# under OUT_ROOT (default .device/art) for scripts/gpu/check_artifacts.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=${1:-.device/art}
mkdir -p "$ROOT"
build/bin/attn-compile test/GPU/Inputs/block_sparse_bf16_d128.mlir -o "$ROOT/block_sparse_bf16_d128"
build/bin/attn-compile test/GPU/Inputs/sta_bf16_d64.mlir -o "$ROOT/sta_bf16_d64"
echo "artifacts in $ROOT"
