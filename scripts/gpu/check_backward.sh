#!/usr/bin/env bash
# The backward kernels alone, in one device call (a few minutes): here,
# `bash scripts/gpu/check_backward.sh --prepare` compiles the gradient
# artifacts (the mma.sync ones with --grad-tensor-cores=true, the SIMT ones,
# the two benchmark artifacts) into .device/art; there, with .device
# carried, `bash scripts/gpu/check_backward.sh` builds attnrt, checks dq/dk/dv
# of every gradient artifact against torch autograd (fresh inputs, two runs
# each), runs the same under memcheck, racecheck and synccheck, then
# bench/gpu_grad_bench.py; ends with "N passed, N failed" over the checks.
# It also checks attn.lse_merge (test/GPU/Inputs/lse_merge.mlir), not yet
# run on a GPU either.
# Full logs under $OUT when set (the device tool brings them back).
# scripts/gpu-check.sh runs the same checks among all the others.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = "--prepare" ]; then
  BIN=${BUILD_DIR:-build}/bin
  ROOT=.device/art
  mkdir -p "$ROOT"
  set -e
  for m in sdpa_grad block_sparse_grad block_sparse_grad_tiles block_sparse_grad_rounds sdpa_grad_f32; do
    "$BIN/attn-compile" test/GPU/Inputs/$m.mlir -o "$ROOT/$m" --grad-tensor-cores=true >/dev/null
  done
  for m in sdpa_grad block_sparse_grad; do
    "$BIN/attn-compile" test/GPU/Inputs/$m.mlir -o "$ROOT/${m}_simt" --grad-tensor-cores=false >/dev/null
  done
  "$BIN/attn-compile" bench/inputs/vsa_fine_grad.mlir -o "$ROOT/vsa_fine_grad" --grad-tensor-cores=true >/dev/null
  "$BIN/attn-compile" bench/inputs/sta_grad.mlir -o "$ROOT/sta_grad" --grad-tensor-cores=true >/dev/null
  # Not a backward, also not yet run on a GPU: attn.lse_merge's linalg kernels.
  "$BIN/attn-compile" test/GPU/Inputs/lse_merge.mlir -o "$ROOT/lse_merge" >/dev/null
  echo "gradient artifacts in $ROOT ($(du -sh .device | cut -f1) in .device)"
  exit 0
fi
export PYTHONUNBUFFERED=1
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi >/dev/null 2>&1; then
  echo "check_backward: no GPU here; nothing to run"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
[ -d .device/art/sdpa_grad ] || { echo "check_backward: run it with --prepare first (here)"; exit 1; }
log=${OUT:+$OUT/check_backward.log}
log=${log:-$(mktemp)}
: > "$log"
cmake -S runtime -B .device/build-rt -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
  cmake --build .device/build-rt >/dev/null || { echo "check_backward: building attnrt failed"; exit 1; }
lib=.device/build-rt/lib/libattnrt.so
passed=0 failed=0 skipped=0
source scripts/gpu/count.sh
sanitized() { # tool, script, args...
  local tool=$1; shift
  local out rc; out=$(compute-sanitizer --tool "$tool" --print-limit 10 --error-exitcode 99 python3 "$@" 2>&1)
  rc=$?
  echo "$out" | grep -E "rel err|PASS|FAIL|SUMMARY"
  echo "$out" | sanitizer_verdict "$tool" "$rc"
}
tally "gradients vs torch autograd" python3 scripts/gpu/check_artifacts.py "$lib" .device/art grad
tally "attn.lse_merge vs attention over all keys" python3 scripts/gpu/check_artifacts.py "$lib" .device/art lse_merge
tally "attn.lse_merge under memcheck" sanitized memcheck scripts/gpu/check_artifacts.py "$lib" .device/art lse_merge
for tool in memcheck racecheck synccheck; do
  tally "gradients under $tool" sanitized "$tool" scripts/gpu/check_artifacts.py "$lib" .device/art grad
done
python3 bench/gpu_grad_bench.py "$lib" .device/art 2>&1 | grep -v "Warning\|_warn_once" | tee ${OUT:+$OUT/grad_bench.log}
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
