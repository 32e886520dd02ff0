// On sm_90a the planner gives f16/bf16 attention with head dim 64 or 128 to
// the wgmma/TMA kernel (HopperAttentionKernel.h): a producer warpgroup plus
// one consumer warpgroup per 64 query rows, a ring of K/V stages in shared
// memory, and three TMA tensor maps after the 13 attention parameters
// (attn.tensor_maps: "DTYPE:D,S,N:ROWS" over the q, k and v buffers).
// wgmma=false and sm_80 keep the mma.sync kernel. The wgmma kernels overlap
// each block's softmax with the previous block's P.V by default (suffix
// _ov); overlap=false gives the serial ones.
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches | FileCheck %s
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches="overlap=false" | FileCheck %s --check-prefix=SERIAL
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches="wgmma=false" | FileCheck %s --check-prefix=MMA
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches="chip=sm_80 features=+ptx70" | FileCheck %s --check-prefix=MMA

// Dense (GQA, ragged lengths): 128 x 128 blocks, two consumers (384
// threads), the k and v maps over the 1-head kv tensors.
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_wgmma_f16_d64_q128_kv128_dense_s4_ov_qr_fm_s{{[0-9a-fx]+}} blocks in (%c2, %c2, %c1) threads in (%c384, %c1, %c1) dynamic_shared_memory_size %c147528_i32
// CHECK-SAME: attn.tensor_maps = ["", "", "", "", "", "", "", "", "", "", "", "", "", "f16:64,200,2:64", "f16:64,300,1:128", "f16:64,300,1:128"]
// SERIAL-LABEL: func.func @main(
// SERIAL: gpu.launch_func @attn_kernels::@attn_wgmma_f16_d64_q128_kv128_dense_s4_fm_s{{[0-9a-fx]+}} blocks
// SERIAL-NOT: _ov_
// MMA-LABEL: func.func @main(
// MMA-NOT: attn_wgmma
// MMA: gpu.launch_func @attn_kernels::@attn_flash_f16_d64_q64_kv64_dense_s
// MMA-NOT: attn.tensor_maps
func.func @main(%q: tensor<1x2x200x64xf16>, %k: tensor<1x1x300x64xf16>) -> tensor<1x2x200x64xf16> {
  %a = attn.sdpa %q, %k, %k : (tensor<1x2x200x64xf16>, tensor<1x1x300x64xf16>, tensor<1x1x300x64xf16>) -> tensor<1x2x200x64xf16>
  return %a : tensor<1x2x200x64xf16>
}


// -----

// STA's 384-token tiles: each table row is 3 query blocks of 128 rows and
// each listed tile 3 kv blocks of 128 keys (_t3); the tables are unchanged.
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_wgmma_bf16_d128_q128_kv128_idx_vbs_t3_s3_ov_qr_fm_s{{[0-9a-fx]+}} blocks in (%c6, %c1, %c1) threads in (%c384, %c1, %c1) dynamic_shared_memory_size %c229432_i32
// CHECK-SAME: "bf16:128,768,1:64", "bf16:128,768,1:128", "bf16:128,768,1:128"]
// MMA-LABEL: func.func @main(
// MMA: gpu.launch_func @attn_kernels::@attn_flash_bf16_d128_q64_kv64_idx_vbs_t6_s
func.func @main(%q: tensor<1x1x768x128xbf16>) -> tensor<1x1x768x128xbf16> {
  %idx = arith.constant dense<[[[[0, 1], [1, 0]]]]> : tensor<1x1x2x2xi32>
  %cnt = arith.constant dense<[[[2, 1]]]> : tensor<1x1x2xi32>
  %vbs = arith.constant dense<[384, 300]> : tensor<2xi32>
  %o = attn.block_sparse %q, %q, %q, %idx, %cnt, %vbs block_q 384 block_kv 384
      : (tensor<1x1x768x128xbf16>, tensor<1x1x768x128xbf16>, tensor<1x1x768x128xbf16>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>, tensor<2xi32>) -> tensor<1x1x768x128xbf16>
  return %o : tensor<1x1x768x128xbf16>
}

// -----

// VSA's 64-token tiles with dynamic tables: the checked-mode launch, then
// one consumer warpgroup per 64-row CTA (256 threads, two CTAs per SM).
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_check_kv
// CHECK: gpu.launch_func @attn_kernels::@attn_wgmma_bf16_d128_q64_kv64_idx_s3_ov_qr_fm_s{{[0-9a-fx]+}} blocks in (%c4, %c4, %c2) threads in (%c256, %c1, %c1) dynamic_shared_memory_size %c114744_i32
// CHECK-SAME: "bf16:128,256,8:64", "bf16:128,256,8:64", "bf16:128,256,8:64"]
// MMA-LABEL: func.func @main(
// MMA: gpu.launch_func @attn_kernels::@attn_flash_bf16_d128_q64_kv64_idx_s
func.func @main(%q: tensor<2x4x256x128xbf16>, %idx: tensor<2x4x4x3xi32>, %cnt: tensor<2x4x4xi32>) -> tensor<2x4x256x128xbf16> {
  %o = attn.block_sparse %q, %q, %q, %idx, %cnt block_q 64 block_kv 64
      : (tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x4x3xi32>, tensor<2x4x4xi32>) -> tensor<2x4x256x128xbf16>
  return %o : tensor<2x4x256x128xbf16>
}
