// The tensor-core backward (FlashAttentionGradKernel.h): bf16/f16 gradient
// ops with head dim 64 or 128 and blocks that are multiples of 64 become the
// mma.sync dQ pass (a CTA per 64 query rows, 128 threads) and dK/dV pass (a
// CTA per 64 keys of a kv head), with the SIMT kernels' parameters and
// scratch; big tiles are read as 64 x 64 sub-blocks of the same tables
// (_t<R>, _r<RQ>). Anything else keeps the SIMT kernels.
// RUN: attn-opt %s -split-input-file --attn-optimize -convert-attn-to-gpu-launches -verify-diagnostics | FileCheck %s
// grad-tensor-cores=false keeps the backward on SIMT; the forward's choice
// is separate:
// RUN: attn-opt %s -split-input-file --attn-optimize -convert-attn-to-gpu-launches="grad-tensor-cores=false" -verify-diagnostics | FileCheck %s --check-prefix=OFF
// OFF: gpu.launch_func @attn_kernels::@attn_simt_bwd_dq_bf16_d64_q64_kv64_dense_km_s0x3e000000
// OFF-NOT: attn_flash_bwd

// Dense with a key mask and GQA: grids (ceil(200 / 64), Hq, B) and
// (ceil(300 / 64), Hkv, B).
// CHECK-LABEL: func.func @main(
// CHECK: %[[L:.*]] = memref.alloc() {attn.scratch = 0 : i64} : memref<3200xi8>
// CHECK: %[[D:.*]] = memref.alloc() {attn.scratch = 1 : i64} : memref<3200xi8>
// CHECK: gpu.launch_func @attn_kernels::@attn_flash_bwd_dq_bf16_d64_q64_kv64_dense_km_s0x3e000000 blocks in (%c4, %c4, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c{{[0-9]+}}_i32
// CHECK-SAME: args(%arg0 : memref<1x4x200x64xbf16>, %arg1 : memref<1x2x300x64xbf16>, %arg2 : memref<1x2x300x64xbf16>, %arg3 : memref<1x4x200x64xbf16>, %arg5 : memref<1x4x200x64xbf16>, %arg6 : memref<1x2x300x64xbf16>, %arg7 : memref<1x2x300x64xbf16>, %{{.*}} : !llvm.ptr, %{{.*}} : !llvm.ptr, %{{.*}} : !llvm.ptr, %arg4 : memref<1x300xi1>, %[[L]] : memref<3200xi8>, %[[D]] : memref<3200xi8>, %c200_i32 : i32, %c300_i32 : i32, %c4_i32 : i32, %c2_i32 : i32, %c0_i32 : i32)
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_flash_bwd_dkdv_bf16_d64_q64_kv64_dense_km_s0x3e000000 blocks in (%c5, %c2, %c1) threads in (%c128, %c1, %c1)
// CHECK-SAME: %[[L]] : memref<3200xi8>, %[[D]] : memref<3200xi8>,
func.func @main(%q: tensor<1x4x200x64xbf16>, %k: tensor<1x2x300x64xbf16>, %v: tensor<1x2x300x64xbf16>, %do: tensor<1x4x200x64xbf16>, %m: tensor<1x300xi1>) -> (tensor<1x4x200x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>) {
  %dq, %dk, %dv = attn.sdpa_grad %q, %k, %v, %do key_mask %m : (tensor<1x4x200x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x4x200x64xbf16>, tensor<1x300xi1>) -> (tensor<1x4x200x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>)
  return %dq, %dk, %dv : tensor<1x4x200x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>
}

// -----

// Block-sparse 64 x 64 with run-time tables and block sizes (VSA's fine
// stage), f16 D128.
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_flash_bwd_dq_f16_d128_q64_kv64_idx_vbs_s{{.*}} blocks in (%c8, %c4, %c1)
// CHECK-SAME: %arg4 : memref<1x4x8x3xi32>, %arg5 : memref<1x4x8xi32>, %arg6 : memref<8xi32>,
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_flash_bwd_dkdv_f16_d128_q64_kv64_idx_vbs_s{{.*}} blocks in (%c8, %c2, %c1)
func.func @main(%q: tensor<1x4x512x128xf16>, %k: tensor<1x2x512x128xf16>, %v: tensor<1x2x512x128xf16>,
                %do: tensor<1x4x512x128xf16>, %idx: tensor<1x4x8x3xi32>, %cnt: tensor<1x4x8xi32>, %vbs: tensor<8xi32>)
    -> (tensor<1x4x512x128xf16>, tensor<1x2x512x128xf16>, tensor<1x2x512x128xf16>) {
  %dq, %dk, %dv = attn.block_sparse_grad %q, %k, %v, %do, %idx, %cnt, %vbs block_q 64 block_kv 64
      : (tensor<1x4x512x128xf16>, tensor<1x2x512x128xf16>, tensor<1x2x512x128xf16>, tensor<1x4x512x128xf16>, tensor<1x4x8x3xi32>, tensor<1x4x8xi32>, tensor<8xi32>)
      -> (tensor<1x4x512x128xf16>, tensor<1x2x512x128xf16>, tensor<1x2x512x128xf16>)
  return %dq, %dk, %dv : tensor<1x4x512x128xf16>, tensor<1x2x512x128xf16>, tensor<1x2x512x128xf16>
}

// -----

// Big tiles (128 query rows x 192 keys a table entry): 2 query blocks per
// table row, each listed tile walked as 3 kv blocks of 64.
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_flash_bwd_dq_bf16_d64_q64_kv64_idx_vbs_t3_r2_s{{.*}} blocks in (%c6, %c2, %c1)
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_flash_bwd_dkdv_bf16_d64_q64_kv64_idx_vbs_t3_r2_s{{.*}} blocks in (%c9, %c2, %c1)
func.func @main(%q: tensor<1x2x384x64xbf16>, %k: tensor<1x2x576x64xbf16>, %v: tensor<1x2x576x64xbf16>,
                %do: tensor<1x2x384x64xbf16>, %idx: tensor<1x2x3x2xi32>, %cnt: tensor<1x2x3xi32>, %vbs: tensor<3xi32>)
    -> (tensor<1x2x384x64xbf16>, tensor<1x2x576x64xbf16>, tensor<1x2x576x64xbf16>) {
  %dq, %dk, %dv = attn.block_sparse_grad %q, %k, %v, %do, %idx, %cnt, %vbs block_q 128 block_kv 192
      : (tensor<1x2x384x64xbf16>, tensor<1x2x576x64xbf16>, tensor<1x2x576x64xbf16>, tensor<1x2x384x64xbf16>, tensor<1x2x3x2xi32>, tensor<1x2x3xi32>, tensor<3xi32>)
      -> (tensor<1x2x384x64xbf16>, tensor<1x2x576x64xbf16>, tensor<1x2x576x64xbf16>)
  return %dq, %dk, %dv : tensor<1x2x384x64xbf16>, tensor<1x2x576x64xbf16>, tensor<1x2x576x64xbf16>
}

// -----

// What the tensor-core kernels do not take stays on SIMT: head dim 80,
// f32, and blocks that are not multiples of 64.
// CHECK-LABEL: func.func @main(
// CHECK: @attn_simt_bwd_dq_bf16_d80_q64_kv64_dense_s
// CHECK: @attn_simt_bwd_dkdv_bf16_d80_q64_kv64_dense_s
// CHECK: @attn_simt_bwd_dq_f32_d64_q64_kv64_dense_s
// CHECK: @attn_simt_bwd_dq_bf16_d64_q32_kv32_idx_s
func.func @main(%q: tensor<1x1x64x80xbf16>, %x: tensor<1x1x64x64xf32>, %y: tensor<1x1x64x64xbf16>) -> (tensor<1x1x64x80xbf16>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xbf16>) {
  %dq, %dk, %dv = attn.sdpa_grad %q, %q, %q, %q : (tensor<1x1x64x80xbf16>, tensor<1x1x64x80xbf16>, tensor<1x1x64x80xbf16>, tensor<1x1x64x80xbf16>) -> (tensor<1x1x64x80xbf16>, tensor<1x1x64x80xbf16>, tensor<1x1x64x80xbf16>)
  %fq, %fk, %fv = attn.sdpa_grad %x, %x, %x, %x : (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>) -> (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>)
  %idx = arith.constant dense<[[[[0], [1]]]]> : tensor<1x1x2x1xi32>
  %cnt = arith.constant dense<[[[1, 1]]]> : tensor<1x1x2xi32>
  %bq, %bk, %bv = attn.block_sparse_grad %y, %y, %y, %y, %idx, %cnt block_q 32 block_kv 32
      : (tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x2x1xi32>, tensor<1x1x2xi32>)
      -> (tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>)
  return %dq, %fq, %bq : tensor<1x1x64x80xbf16>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xbf16>
}
