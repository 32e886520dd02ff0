#!/usr/bin/env bash
# On the development machine: compile the GPU check modules into artifacts
# under OUT_ROOT (default .device/art) for scripts/gpu/check_artifacts.py,
# and the model examples for scripts/gpu/check_models.py and
# bench/gpu_model_bench.py. A model attn-compile rejects is reported and
# left out (the checks then skip it and say so).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=${1:-.device/art}
BIN=${BUILD_DIR:-build}/bin
mkdir -p "$ROOT"
"$BIN/attn-compile" test/GPU/Inputs/block_sparse_bf16_d128.mlir -o "$ROOT/block_sparse_bf16_d128"
"$BIN/attn-compile" test/GPU/Inputs/sta_bf16_d64.mlir -o "$ROOT/sta_bf16_d64"
"$BIN/attn-compile" test/GPU/Inputs/topk_ties.mlir -o "$ROOT/topk_ties"
"$BIN/attn-compile" test/GPU/Inputs/block_ops_wide.mlir -o "$ROOT/block_ops_wide"
"$BIN/attn-compile" test/GPU/Inputs/coarse_scores.mlir -o "$ROOT/coarse_scores"
"$BIN/attn-compile" test/GPU/Inputs/loop_swap.mlir -o "$ROOT/loop_swap"
"$BIN/attn-compile" test/GPU/Inputs/sta_raster_text.mlir -o "$ROOT/sta_raster_text"
"$BIN/attn-compile" test/GPU/Inputs/vsa_raster.mlir -o "$ROOT/vsa_raster"
"$BIN/attn-compile" test/GPU/Inputs/vsa_raster_nogate.mlir -o "$ROOT/vsa_raster_nogate"
# Run-time sizes (issue 14): one artifact each, run at random shapes by
# scripts/gpu/check_dynamic.py.
for m in dynamic_sdpa dynamic_block_sparse dynamic_grid_vsa sta_text_length_operand sta_one_tensor; do
  "$BIN/attn-compile" test/Compile/Inputs/$m.mlir -o "$ROOT/$m"
done
# Off-by-default plans, checked by check_dynamic.py and timed by
# bench/gpu_dynamic_bench.py when the GPU is next available: the top-k with
# a shared-memory fallback (grids above 1024 tiles), STA's text blocks first.
"$BIN/attn-compile" test/Compile/Inputs/dynamic_grid_vsa.mlir -o "$ROOT/dynamic_grid_vsa_wide" --topk-shared-fallback
"$BIN/attn-compile" test/Compile/Inputs/sta_text_length_operand.mlir -o "$ROOT/sta_text_length_operand_lf" --long-first
"$BIN/attn-compile" examples/hunyuan_sta_720p.mlir -o "$ROOT/hunyuan_sta_720p_lf" --long-first
# Python's one-tensor STA layout folded over slab maps (--fold-slabs, off by
# default until this has run on the GPU).
"$BIN/attn-compile" test/Compile/Inputs/sta_one_tensor.mlir -o "$ROOT/sta_one_tensor_slabs" --fold-slabs
# The lse result: the wgmma kernel here, the mma.sync kernel (_sm80), SIMT (f32).
for m in sdpa_lse block_sparse_lse; do
  "$BIN/attn-compile" test/GPU/Inputs/$m.mlir -o "$ROOT/$m"
  "$BIN/attn-compile" test/GPU/Inputs/$m.mlir -o "$ROOT/${m}_sm80" --wgmma=false
done
"$BIN/attn-compile" test/GPU/Inputs/sdpa_lse_f32.mlir -o "$ROOT/sdpa_lse_f32"
# attn.lse_merge (two linalg kernels after two lse attentions).
"$BIN/attn-compile" test/GPU/Inputs/lse_merge.mlir -o "$ROOT/lse_merge"
# The backward kernels: tensor cores where they apply (the default; the
# flag says so explicitly), SIMT (f32, and _simt: grad-tensor-cores=false).
for m in sdpa_grad block_sparse_grad block_sparse_grad_tiles block_sparse_grad_rounds sdpa_grad_f32; do
  "$BIN/attn-compile" test/GPU/Inputs/$m.mlir -o "$ROOT/$m" --grad-tensor-cores=true
done
for m in sdpa_grad block_sparse_grad; do
  "$BIN/attn-compile" test/GPU/Inputs/$m.mlir -o "$ROOT/${m}_simt" --grad-tensor-cores=false
done
# bench/gpu_grad_bench.py
"$BIN/attn-compile" bench/inputs/vsa_fine_grad.mlir -o "$ROOT/vsa_fine_grad" --grad-tensor-cores=true
"$BIN/attn-compile" bench/inputs/sta_grad.mlir -o "$ROOT/sta_grad" --grad-tensor-cores=true
for m in wan_vsa_small hunyuan_sta_small model_vsa_steps wan_vsa_1.3b hunyuan_sta_720p; do
  rm -rf "${ROOT:?}/$m"
  if ! "$BIN/attn-compile" "examples/$m.mlir" -o "$ROOT/$m" 2> "$ROOT/$m.log"; then
    echo "make_artifacts: attn-compile examples/$m.mlir failed (left out):"
    sed 's/^/  /' "$ROOT/$m.log"
    rm -rf "${ROOT:?}/$m"
  fi
  rm -f "$ROOT/$m.log"
done
# bench/gpu_dynamic_bench.py: the Hunyuan layer with a run-time text
# length, and as Python builds it (one tensor each) with gathers and with
# slab maps.
"$BIN/attn-compile" bench/inputs/hunyuan_sta_720p_text_length_operand.mlir -o "$ROOT/hunyuan_dyn"
"$BIN/attn-compile" bench/inputs/hunyuan_sta_720p_one_tensor.mlir -o "$ROOT/hunyuan_one_tensor"
"$BIN/attn-compile" bench/inputs/hunyuan_sta_720p_one_tensor.mlir -o "$ROOT/hunyuan_one_tensor_slabs" --fold-slabs
# The whole-layer benchmark's variants, timed in the same run: the layout as
# gathers into tiled copies (fold-layout off), and the serial (not
# overlapped) wgmma kernels.
"$BIN/attn-compile" examples/hunyuan_sta_720p.mlir -o "$ROOT/hunyuan_sta_720p_gathers" --fold-layout=false
"$BIN/attn-compile" examples/hunyuan_sta_720p.mlir -o "$ROOT/hunyuan_sta_720p_serial" --overlap=false
"$BIN/attn-compile" examples/wan_vsa_1.3b.mlir -o "$ROOT/wan_vsa_1.3b_serial" --overlap=false
"$BIN/attn-compile" examples/wan_vsa_1.3b.mlir -o "$ROOT/wan_vsa_1.3b_gathers" --fold-layout=false
echo "artifacts in $ROOT: $(ls "$ROOT" | tr '\n' ' ')"
