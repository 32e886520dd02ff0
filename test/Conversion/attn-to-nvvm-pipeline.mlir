// The named pipeline end to end on the real-shape Wan 1.3B VSA module:
// attn-optimize, the launch plan, kernels lowered and serialized to PTX.
// RUN: attn-opt %S/../../examples/wan_vsa_1.3b.mlir --attn-to-nvvm="wgmma=false" | FileCheck %s
// RUN: attn-opt %S/../../examples/hunyuan_sta_small.mlir --attn-to-nvvm="chip=sm_80 features=+ptx70" | FileCheck %s --check-prefix=SM80
// RUN: attn-opt %S/../../examples/hunyuan_sta_small.mlir --attn-to-nvvm="serialize=false tensor-cores=false" | FileCheck %s --check-prefix=NVVM
// RUN: not attn-opt %S/../../examples/hunyuan_sta_small.mlir --attn-to-nvvm="chip=sm_70" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not attn-opt %S/../../examples/hunyuan_sta_small.mlir --attn-to-nvvm="dense-block-kv=96" 2>&1 | FileCheck %s --check-prefix=BKV

// The host function (mma.sync: no layout folding): block means of the
// raster q/k/v through row tables, the coarse scores (fill, contraction
// and scale as one tensor-core kernel), top-k, the tile
// gathers the fine kernel reads, its check, the fine tensor-core kernel,
// combine, untile.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: attributes {attn.num_args = 4 : i64}
// CHECK: gpu.launch_func @attn_kernels::@attn_block_mean_bf16 {{.*}} args(%arg0 : memref<1x12x32760x128xbf16>
// CHECK: gpu.launch_func @attn_kernels::@attn_contract_mma_bf16_s0x3db504f3
// CHECK: gpu.launch_func @attn_kernels::@attn_flash_bf16_d128_q64_kv64_dense_
// CHECK: gpu.launch_func @attn_kernels::@attn_block_topk
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows_c16
// CHECK: gpu.launch_func @attn_kernels::@attn_check_kv {{.*}} {attn.check_dims = array<i64: 1, 12, 624>}
// CHECK: gpu.launch_func @attn_kernels::@attn_flash_bf16_d128_q64_kv64_idx_vbs_
// CHECK: gpu.launch_func @attn_kernels::@attn_linalg_0
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args({{.*}}, %arg4 : memref<1x12x32760x128xbf16>
// CHECK: gpu.binary @attn_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// CHECK-SAME: .target sm_90a
// CHECK-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

// SM80: gpu.binary @attn_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">
// SM80-SAME: .target sm_80

// NVVM: gpu.module @attn_kernels
// NVVM: llvm.func @attn_gather_rows_c16({{.*}}) attributes {gpu.kernel, nvvm.kernel
// NVVM: llvm.func @attn_simt_f32_d32_q8_kv8_idx_vbs_s
// NVVM-NOT: gpu.binary

// CHIP: attn-to-gpu: chip must be one of sm_80, sm_90, sm_90a; got 'sm_70'
// BKV: attn-to-gpu: dense-block-kv must be 64 or 128, got 96
