#!/usr/bin/env bash
# On the GPU machine, with .device/ prepared by scripts/gpu/prepare.sh: builds
# attnrt, then runs every GPU benchmark (our kernels and the peers on the same
# inputs, in the same run): the flash kernel alone (VSA fine stage, dense)
# and whole layers (VSA on Wan 1.3B, STA on Hunyuan 720p; the torch peer
# layers eager and whole under torch.compile, ratios and targets against the
# compiled one). Logs go to $OUT when it is set; COMPILE_MODE=
# max-autotune-no-cudagraphs picks torch.compile's mode for the peer layers.
# Usage: bash bench/gpu_bench.sh [vsa|sta|flash|grad]...  (grad: the backward,
# bench/gpu_grad_bench.py; not in the default set)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S runtime -B .device/build-rt -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build .device/build-rt >/dev/null
lib=.device/build-rt/lib/libattnrt.so
out=${OUT:-/tmp}
parts=${*:-flash vsa sta}
for p in $parts; do
  case $p in
    flash) python3 bench/gpu_flash_bench.py .device/flash 2>&1 | tee "$out/flash_bench.log" ;;
    grad) python3 bench/gpu_grad_bench.py "$lib" .device/art 2>&1 | grep -v DeprecationWarning |
            tee "$out/grad_bench.log" ;;
    vsa|sta) python3 bench/gpu_model_bench.py "$lib" .device/art --only "$p" \
               ${COMPILE_MODE:+--compile-mode "$COMPILE_MODE"} 2>&1 |
               grep -v DeprecationWarning | tee "$out/model_bench_$p.log" ;;
    *) echo "gpu_bench.sh: unknown part '$p' (flash, vsa, sta, grad)"; exit 1 ;;
  esac
done
