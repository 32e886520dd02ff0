#!/usr/bin/env bash
# On the development machine (LLVM/MLIR and ptxas, no GPU): build everything
# the GPU machine needs into .device/ (ignored by git; name it in the device
# tool's `carry`): kernels for check_flash.py and artifacts for
# check_artifacts.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BUILD_DIR:-build}/bin
PTXAS=${PTXAS:-/usr/local/cuda/bin/ptxas}
rm -rf .device/flash .device/raster .device/art .device/checked
mkdir -p .device/flash .device/raster
echo "module {}" > .device/empty.mlir
emit() { # pass options [dir, default .device/flash]; writes <dir>/<name>.{ptx,sm_90a.cubin}
  local name dir=${2:-.device/flash}
  name=$("$BIN/attn-opt" .device/empty.mlir --pass-pipeline="builtin.module($1)" |
         grep -o "llvm.func @attn_[a-z0-9_]*" | sed 's/llvm.func @//')
  "$BIN/attn-opt" .device/empty.mlir --pass-pipeline="builtin.module($1, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" |
    /usr/bin/python3 test/GPU/Inputs/extract_ptx.py > "$dir/$name.ptx"
  "$PTXAS" -arch=sm_90a "$dir/$name.ptx" -o "$dir/$name.sm_90a.cubin"
}
for cfg in "bf16 128 true true false" "bf16 128 true false false" "bf16 128 false false false" \
           "bf16 64 false false false" "f16 128 true true false" "f16 64 true true false" \
           "bf16 128 true true true" "f16 64 false false true"; do
  set -- $cfg
  emit "attn-emit-flash-kernel{head-dim=$2 dtype=$1 indexed=$3 block-sizes=$4 key-mask=$5}"
done
# 128-row CTAs (8 warps).
for cfg in "bf16 128 true true false" "bf16 128 false false false" "f16 64 true true true"; do
  set -- $cfg
  emit "attn-emit-flash-kernel{block-q=128 head-dim=$2 dtype=$1 indexed=$3 block-sizes=$4 key-mask=$5}"
done
# Hopper kernels (wgmma, TMA, warp-specialized): dtype, D, block_q,
# block_kv, indexed, block sizes, key mask.
for cfg in "bf16 128 128 128 true true false" "bf16 128 128 128 false false false" \
           "bf16 128 128 64 true true false" "bf16 128 64 64 true true true" \
           "f16 64 128 128 true true true" "bf16 64 64 128 false true false" \
           "bf16 128 64 64 true false false" "bf16 128 128 64 false false false"; do
  set -- $cfg
  emit "attn-emit-hopper-kernel{dtype=$1 head-dim=$2 block-q=$3 block-kv=$4 indexed=$5 block-sizes=$6 key-mask=$7}"
done
# The stage table (bench/gpu_flash_bench.py): the dense and VSA kernels with
# the intra-warpgroup overlap and/or the ping-pong turned on (checked too).
for opts in "overlap=true ping-pong=true" "overlap=true" "ping-pong=true"; do
  emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=128 block-kv=128 indexed=false block-sizes=false key-mask=false $opts}"
done
emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=64 block-kv=64 indexed=true block-sizes=false key-mask=false overlap=true}"
# Q in registers (S = Q.K^T in the register-A form, _qr): the stage-table
# rows, and masks, GQA, D 64 / f16 on it for the checks.
# (Two consumers without overlap are refused with q-regs: measured wrong.)
emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=128 block-kv=128 indexed=false block-sizes=false key-mask=false q-regs=true overlap=true}"
for opts in "" "overlap=true"; do
  emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=64 block-kv=64 indexed=true block-sizes=false key-mask=false q-regs=true $opts}"
done
emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=64 block-kv=64 indexed=true block-sizes=true key-mask=true q-regs=true overlap=true}"
emit "attn-emit-hopper-kernel{dtype=f16 head-dim=64 block-q=128 block-kv=128 indexed=true block-sizes=true key-mask=true q-regs=true overlap=true}"
# The fma softmax (_fm), alone and with Q in registers.
for opts in "fma-softmax=true" "fma-softmax=true q-regs=true"; do
  emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=128 block-kv=128 indexed=false block-sizes=false key-mask=false overlap=true $opts}"
  emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=64 block-kv=64 indexed=true block-sizes=false key-mask=false overlap=true $opts}"
done
emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=128 block-kv=176 indexed=false block-sizes=false key-mask=false overlap=true fma-softmax=true}"
emit "attn-emit-hopper-kernel{dtype=f16 head-dim=64 block-q=64 block-kv=64 indexed=true block-sizes=true key-mask=true overlap=true fma-softmax=true}"
# Wider dense kv blocks (176 as FA3 has for D 128, 192), two stages.
for kv in 176 192; do
  emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=128 block-kv=$kv indexed=false block-sizes=false key-mask=false overlap=true}"
done
emit "attn-emit-hopper-kernel{dtype=f16 head-dim=64 block-q=128 block-kv=176 indexed=false block-sizes=false key-mask=true}"
# The raster-tile form (5-D TMA boxes over raster q/k/v/out; checked by
# check_raster_tile.py on grids with and without partial tiles): VSA 4x4x4
# with 64/64 blocks, STA 6x8x8 with 128/128, and dense f16 D64.
emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=64 block-kv=64 indexed=true block-sizes=false raster-tile=4,4,4}" .device/raster
emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=128 block-kv=128 indexed=true block-sizes=false raster-tile=6,8,8}" .device/raster
emit "attn-emit-hopper-kernel{dtype=f16 head-dim=64 block-q=64 block-kv=64 indexed=false block-sizes=false raster-tile=4,4,4}" .device/raster
emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=64 block-kv=64 indexed=true block-sizes=false raster-tile=4,4,4 overlap=true q-regs=true}" .device/raster
emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=128 block-kv=128 indexed=true block-sizes=false raster-tile=6,8,8 overlap=true q-regs=true}" .device/raster
emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=128 block-kv=128 indexed=true block-sizes=false raster-tile=6,8,8 overlap=true fma-softmax=true}" .device/raster
emit "attn-emit-hopper-kernel{dtype=bf16 head-dim=128 block-q=64 block-kv=64 indexed=true block-sizes=false raster-tile=4,4,4 overlap=true q-regs=true fma-softmax=true}" .device/raster
# SIMT fallback kernels: dtype, D, block_q, block_kv, indexed, block sizes, key mask.
for cfg in "f32 32 8 8 true true true" "bf16 128 64 64 true true false" \
           "f16 64 64 64 false false false" "f32 96 3 5 true true false" \
           "bf16 256 16 32 false true true"; do
  set -- $cfg
  emit "attn-emit-simt-kernel{dtype=$1 head-dim=$2 block-q=$3 block-kv=$4 indexed=$5 block-sizes=$6 key-mask=$7}"
done
bash scripts/gpu/make_artifacts.sh .device/art
# The same models on the mma.sync kernel (--wgmma=false) with 128-row CTAs
# where the shapes allow (bench, checks): the sm_80 family stays checked.
mkdir -p .device/art_q128
for m in hunyuan_sta_720p hunyuan_sta_small wan_vsa_1.3b sta_raster_text vsa_raster vsa_raster_nogate; do
  f=examples/$m.mlir; [ -f "$f" ] || f=test/GPU/Inputs/$m.mlir
  "$BIN/attn-compile" "$f" -o ".device/art_q128/$m" --block-q 128 --wgmma=false
done
# attnrt-run case: .npy inputs and the NumPy reference's expected output;
# checked-mode case: valid and corrupt kv tables for block_sparse_bf16_d128.
/usr/bin/python3 scripts/gpu/make_npy_case.py .device/art/sta_bf16_d64 .device/npy
/usr/bin/python3 scripts/gpu/make_checked_case.py .device/checked
# GPU vs CPU path: the small examples' inputs and the CPU path's outputs.
rm -rf .device/cpu
/usr/bin/python3 scripts/gpu/make_cpu_cases.py "$BIN" .device/cpu
echo "prepared .device/ (kernels: $(ls .device/flash/*.cubin .device/raster/*.cubin | wc -l), artifacts: $(ls .device/art | wc -l), $(du -sh .device | cut -f1) in all)"
# The Python package's GPU path: the package (pure Python; its native module
# needs LLVM/MLIR and stays here) and the artifacts its GPU tests and the
# DiT loop use, precompiled into a disk cache.
rm -rf .device/python .device/pycache
mkdir -p .device/python
cp -r "${BUILD_DIR:-build}/python/attn_mlir" .device/python/
rm -f .device/python/attn_mlir/_native*.so
PYTHONPATH=${BUILD_DIR:-build}/python ATTN_MLIR_CACHE=.device/pycache /usr/bin/python3 scripts/gpu/precompile_python.py
