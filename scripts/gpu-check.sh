#!/usr/bin/env bash
# On the GPU machine (CUDA driver, cmake, torch, cupy; no LLVM/MLIR), in the
# repository root with .device/ prepared by scripts/gpu/prepare.sh on the
# development machine: builds the attnrt runtime with cmake, runs the GPU
# tests (every kernel against a reference on fresh random inputs, outputs
# poisoned first; artifacts end to end through attnrt; the model examples
# against torch references; checked mode on corrupt kv tables), then the same
# under compute-sanitizer (memcheck, racecheck, synccheck) on small shapes,
# and prints "N passed, N failed, N skipped". Every numeric check uses
# test/reference/errcheck.py (whole-output and worst-row relative error).
# Counting: a stage's "N passed, N failed[, N skipped]" line is added up; a
# stage without that line, or one that exits non-zero without counting a
# failure, is a failure; skipped means a case that did not run (a missing
# model artifact, "SKIP (no artifact)", a skipped pytest test); a sanitizer
# stage whose artifacts are missing (nothing checked) fails.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
# The stages' whole output: $OUT/gpu-check.log where $OUT is set (the
# device tool brings it back), else a temporary file; failing lines are
# repeated at the end.
log=${OUT:+$OUT/gpu-check.log}
log=${log:-$(mktemp)}
: > "$log"
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi >/dev/null 2>&1; then
  echo "gpu-check: no GPU here; nothing to run"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
[ -d .device/flash ] && [ -d .device/art ] || {
  echo "gpu-check: .device/ is missing: run scripts/gpu/prepare.sh on the development machine and carry .device"
  exit 1
}
cmake -S runtime -B .device/build-rt -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
  cmake --build .device/build-rt >/dev/null || { echo "gpu-check: building attnrt failed"; exit 1; }
lib=.device/build-rt/lib/libattnrt.so
passed=0 failed=0 skipped=0
# tally, sanitizer_verdict, pytest_count: the counting rules (CPU-tested by
# test/GPU/gpu-check-counting.test).
source scripts/gpu/count.sh
sanitized() { # tool, script, args... (clean, and the script's own checks ran and passed:
  # at least one passed, none failed, none skipped)
  local tool=$1; shift
  local out rc; out=$(compute-sanitizer --tool "$tool" --print-limit 10 --error-exitcode 99 python3 "$@" 2>&1)
  rc=$?
  echo "$out" | tail -3
  echo "$out" | sanitizer_verdict "$tool" "$rc"
}
tally "kernels (check_flash.py)" python3 scripts/gpu/check_flash.py .device/flash
tally "raster-tile kernels (check_raster_tile.py)" python3 scripts/gpu/check_raster_tile.py .device/raster
# The wgmma kernels' SASS: warpgroup MMAs (HGMMA) fed by TMA loads (UTMALDG),
# in the kernels check_flash.py ran and in the artifacts' images.
sass_case() {
  local p=0 f=0 c s
  local cubins=(.device/flash/attn_wgmma_*.cubin .device/raster/attn_wgmma_*.cubin
                .device/art/wan_vsa_1.3b/kernels.sm_90a.cubin
                .device/art/hunyuan_sta_720p/kernels.sm_90a.cubin)
  command -v cuobjdump >/dev/null || { echo "cuobjdump missing"; echo "0 passed, 1 failed"; return; }
  for c in "${cubins[@]}"; do
    [ -f "$c" ] || { echo "FAIL $c: missing"; f=$((f + 1)); continue; }
    s=$(cuobjdump -sass "$c")
    if grep -q "HGMMA" <<<"$s" && grep -q "UTMALDG" <<<"$s"; then
      echo "PASS $c: HGMMA x$(grep -c HGMMA <<<"$s"), UTMALDG x$(grep -c UTMALDG <<<"$s")"; p=$((p + 1))
    else
      echo "FAIL $c: no HGMMA or no UTMALDG in its SASS"; f=$((f + 1))
    fi
  done
  echo "$p passed, $f failed"
}
tally "wgmma kernels' SASS (HGMMA, UTMALDG)" sass_case
tally "artifacts through attnrt" python3 scripts/gpu/check_artifacts.py "$lib" .device/art
tally "one artifact at random shapes (check_dynamic.py)" python3 scripts/gpu/check_dynamic.py "$lib" .device/art
npy_case() {
  local out=.device/npy/out.npy
  rm -f "$out"
  .device/build-rt/bin/attnrt-run .device/art/sta_bf16_d64 --input .device/npy/q.npy \
    --input .device/npy/k.npy --input .device/npy/v.npy --output "$out" || { echo "0 passed, 1 failed"; return; }
  python3 -c "
import sys
sys.path.insert(0, 'test/reference')
import numpy as np, errcheck
ok, msg = errcheck.check(np.load('$out'), np.load('.device/npy/expected.npy'), errcheck.TOL['bf16'])
print('attnrt-run sta:', msg)
print('1 passed, 0 failed' if ok else '0 passed, 1 failed')"
}
tally "attnrt-run on .npy files" npy_case
# The small examples (tile/untile, VSA with coarse stage and top-k, STA with
# text, and the 50-step x 30-layer loop) against the CPU path's outputs.
cpu_cases() {
  local p=0 f=0 s=0 d name args outs
  local cases=(.device/cpu/*/)
  [ -d "${cases[0]}" ] || { echo "FAIL no CPU-path cases in .device/cpu (prepare.sh)"; echo "0 passed, 1 failed"; return; }
  for d in "${cases[@]}"; do
    name=$(basename "$d")
    [ -d ".device/art/$name" ] || { echo "SKIP $name (no artifact)"; s=$((s + 1)); continue; }
    args="" outs=""
    for i in "$d"in*.npy; do args="$args --input $i"; done
    for e in "$d"expected*.npy; do outs="$outs --output ${e/expected/gpu}"; done
    rm -f "$d"gpu*.npy
    if ! .device/build-rt/bin/attnrt-run ".device/art/$name" $args $outs --checked; then
      echo "FAIL $name: attnrt-run failed"; f=$((f + 1)); continue
    fi
    if python3 - "$d" <<'PY'
import glob, sys
import numpy as np
sys.path.insert(0, "test/reference")
import errcheck
expected = sorted(glob.glob(sys.argv[1] + "expected*.npy"))
ok = bool(expected)  # a case with nothing to compare fails
if not expected:
    print("  no expected*.npy in", sys.argv[1])
for e in expected:
    x, y = np.load(e.replace("expected", "gpu")), np.load(e)
    good, msg = errcheck.check(x, y, 1e-4)  # f32 on both paths
    print(f"  {e}: vs CPU path {msg}, finite {np.isfinite(x).all()}")
    ok = ok and np.isfinite(x).all() and good
    if y.dtype.kind in "iu":
        print(f"    integer result: identical {np.array_equal(x, y)}")
        ok = ok and np.array_equal(x, y)
sys.exit(0 if ok else 1)
PY
    then echo "PASS $name (GPU vs CPU path)"; p=$((p + 1)); else echo "FAIL $name"; f=$((f + 1)); fi
  done
  echo "$p passed, $f failed, $s skipped"
}
tally "small examples vs the CPU path" cpu_cases
# Checked mode: attnrt-run --checked on block_sparse_bf16_d128 with valid
# tables passes; a corrupt kv_counts / kv_indices entry exits 1 naming it
# (the flash kernel is never launched: memcheck clean on the corrupt index).
checked_case() {
  local d=.device/checked art=.device/art/block_sparse_bf16_d128 run=.device/build-rt/bin/attnrt-run
  local p=0 f=0 c idx cnt out rc
  local qkv="--input $d/q.npy --input $d/k.npy --input $d/v.npy"
  if [ ! -f "$d/q.npy" ]; then echo "checked case: $d is missing (prepare.sh)"; echo "0 passed, 1 failed"; return; fi
  if out=$($run $art $qkv --input $d/idx.npy --input $d/cnt.npy --input $d/vbs.npy --checked 2>&1); then
    echo "PASS valid tables in checked mode"; p=$((p + 1))
  else
    echo "FAIL valid tables in checked mode: $out"; f=$((f + 1))
  fi
  for c in badcnt badidx badidx-memcheck; do
    idx=$d/idx.npy cnt=$d/cnt.npy
    case $c in badcnt) cnt=$d/badcnt.npy ;; *) idx=$d/badidx.npy ;; esac
    if [ "$c" = badidx-memcheck ]; then
      out=$(compute-sanitizer --tool memcheck --error-exitcode 99 $run $art $qkv --input "$idx" \
            --input "$cnt" --input $d/vbs.npy --checked 2>&1); rc=$?
    else
      out=$($run $art $qkv --input "$idx" --input "$cnt" --input $d/vbs.npy --checked 2>&1); rc=$?
    fi
    if [ $rc -eq 1 ] && grep -qF "$(cat "$d/${c%-memcheck}.expected")" <<<"$out" &&
       { [ "$c" != badidx-memcheck ] || grep -q "ERROR SUMMARY: 0 errors" <<<"$out"; }; then
      echo "PASS $c: exit 1, $(grep -o 'checked mode: .*' <<<"$out" | head -1)"; p=$((p + 1))
    else
      echo "FAIL $c: exit $rc, expected '$(cat "$d/${c%-memcheck}.expected")', got:"
      echo "$out" | tail -5; f=$((f + 1))
    fi
  done
  echo "$p passed, $f failed"
}
tally "checked mode (attnrt-run --checked)" checked_case
# The Python package on CUDA tensors (artifacts precompiled by prepare.sh).
python_gpu() {
  if ! python3 -c "import pytest" 2>/dev/null; then echo "pytest missing"; echo "0 passed, 1 failed"; return; fi
  local out rc
  out=$(ATTN_MLIR_PYTHON=.device/python ATTN_MLIR_TEST_CACHE=.device/pycache \
        ATTN_MLIR_ATTNRT="$lib" python3 -m pytest -q -rs -m gpu -p no:cacheprovider python/tests/test_gpu.py python/tests/test_torch_ops.py 2>&1)
  rc=$?
  echo "$out" | tail -15
  echo "$out" | pytest_count "$rc"
}
tally "Python package on CUDA tensors (pytest -m gpu)" python_gpu
# The DiT loop: exit 0, on the GPU (no CPU fallback), and its numbers checked
# by --check (finite, every call ran, STA's dense warm-up steps vs dense).
dit_loop() {
  local out rc
  out=$(PYTHONPATH=.device/python ATTN_MLIR_CACHE=.device/pycache ATTN_MLIR_ATTNRT="$lib" \
        python3 examples/python/dit_loop.py --check 2>&1)
  rc=$?
  echo "$out" | tail -16
  if [ "$rc" -eq 0 ] && echo "$out" | grep -q "DiT loop on GPU" &&
     ! echo "$out" | grep -q "CPU path instead" && echo "$out" | grep -q "^DiT loop check: PASS$"; then
    echo "1 passed, 0 failed"
  else
    echo "0 passed, 1 failed"
  fi
}
tally "DiT loop example on the GPU backends" dit_loop
# attnrt itself (issue 17): a 10,000-run soak (bits and memory flat), runs on
# several streams and threads at once, a wrong-chip and a truncated image.
tally "attnrt soak, streams, threads, faults (check_runtime.py)" python3 scripts/gpu/check_runtime.py "$lib" .device/art
tally "models vs torch (check_models.py)" python3 scripts/gpu/check_models.py "$lib" .device/art
if [ -d .device/art_q128 ]; then
  tally "models vs torch, mma.sync kernel with 128-row CTAs" python3 scripts/gpu/check_models.py "$lib" .device/art_q128
else
  echo "SKIP models vs torch, 128-row CTAs (no .device/art_q128)"; skipped=$((skipped + 1))
fi
for tool in memcheck racecheck synccheck; do
  tally "kernels under $tool" sanitized "$tool" scripts/gpu/check_flash.py .device/flash --quick
  tally "raster-tile kernels under $tool" sanitized "$tool" scripts/gpu/check_raster_tile.py .device/raster --quick
done
tally "artifacts under memcheck" sanitized memcheck scripts/gpu/check_artifacts.py "$lib" .device/art
tally "run-time sizes under memcheck" sanitized memcheck scripts/gpu/check_dynamic.py "$lib" .device/art --quick
# The backward kernels' shared-memory staging (two-stage cp.async rings, the
# dK/dV pass's compacted candidate list) under racecheck and synccheck.
for tool in racecheck synccheck; do
  tally "backward artifacts under $tool" sanitized "$tool" scripts/gpu/check_artifacts.py "$lib" .device/art grad
done
# (prepare.sh compiles both small models; sanitized() fails when one is
# missing: check_models.py then reports it as skipped.)
for tool in memcheck racecheck synccheck; do
  tally "small models under $tool" sanitized "$tool" scripts/gpu/check_models.py "$lib" .device/art --quick
done
if [ "$failed" -ne 0 ]; then
  echo "--- failing lines ($log):"
  grep -E "FAIL|Error|error:|Traceback|assert" "$log" | grep -v "ERROR SUMMARY: 0" | head -40
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
