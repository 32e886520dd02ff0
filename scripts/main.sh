#!/usr/bin/env bash
# The main job: set up a fresh Debian 12 machine, build, then compile and run
# the example models through the attn-to-cpu pipeline (no GPU needed) and
# compare them with the independent NumPy reference; finally compile the
# real-shape (GPU-sized) examples through the same pipeline, and every
# example to a GPU artifact through attn-to-nvvm (attn-compile).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BIN=${BUILD_DIR:-build}/bin
echo
echo "== small examples: attn-run --device cpu vs the NumPy reference"
/usr/bin/python3 examples/run_examples.py --attn-run "$BIN/attn-run"
echo
/usr/bin/python3 examples/model_report.py --bin "$BIN"
echo
echo "== Python: a DiT-like loop with the VSA and STA backends vs dense attention (CPU path)"
PYTHONPATH=${BUILD_DIR:-build}/python /usr/bin/python3 examples/python/dit_loop.py --cpu
echo
echo "== real-shape examples: compile through attn-to-cpu (run on the GPU path)"
for f in examples/wan_vsa_1.3b.mlir examples/hunyuan_sta_720p.mlir; do
  start=$(date +%s.%N)
  "$BIN/attn-opt" "$f" --attn-to-cpu -o /dev/null
  printf '%-32s compiled in %.2f s\n' "$f" "$(echo "$(date +%s.%N) - $start" | bc)"
done
echo
echo "== every example through attn-to-nvvm: GPU artifacts (PTX, cubin via ptxas when present, launch plan)"
ART=${BUILD_DIR:-build}/artifacts
for f in examples/*.mlir; do
  m=$(basename "$f" .mlir)
  for chip in sm_90a sm_80; do
    start=$(date +%s.%N)
    "$BIN/attn-compile" "$f" -o "$ART/$m.$chip" --chip "$chip"
    printf '%-22s %-7s %2d launches, %d kernels, scratch %6.1f MiB, compiled in %.2f s\n' "$m" "$chip" \
      "$(grep -cE '^(launch|check) ' "$ART/$m.$chip/plan.txt")" \
      "$(grep -c '^\.visible \.entry' "$ART/$m.$chip/kernels.ptx")" \
      "$(awk '/^scratch /{s+=$3} END {print s/1048576}' "$ART/$m.$chip/plan.txt")" \
      "$(echo "$(date +%s.%N) - $start" | bc)"
  done
done
if command -v nvidia-smi >/dev/null && nvidia-smi >/dev/null 2>&1 && [ -x "$BIN/attnrt-run" ]; then
  echo "(a GPU is present: bash scripts/gpu-check.sh runs these against references)"
else
  echo "(no GPU here: the artifacts run on the GPU machine, see README 'GPU')"
fi
