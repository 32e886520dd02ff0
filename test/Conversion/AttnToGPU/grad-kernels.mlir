// The backward ops on the SIMT path (tensor-cores=false; the tensor-core
// choice is flash-grad-kernels.mlir): attn.sdpa_grad and
// attn.block_sparse_grad become the SIMT backward kernels' dQ pass (which
// also writes each row's log2 lse and delta into two f32 scratch buffers)
// and then their dK/dV pass, both reading the same parameters. The other
// gradient ops reach the planner only after attn-optimize (STA's planned
// into block_sparse_grad, VSA's decomposed; its reshapes alias buffers).
// RUN: attn-opt %s -split-input-file --attn-optimize -convert-attn-to-gpu-launches="tensor-cores=false" -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @main(
// CHECK: %[[L:.*]] = memref.alloc() {attn.scratch = 0 : i64} : memref<3200xi8>
// CHECK: %[[D:.*]] = memref.alloc() {attn.scratch = 1 : i64} : memref<3200xi8>
// CHECK: gpu.launch_func @attn_kernels::@attn_simt_bwd_dq_bf16_d64_q64_kv64_dense_km_s0x3e000000 blocks in (%c50, %c4, %c1) threads in (%c128, %c1, %c1)
// CHECK-SAME: args(%arg0 : memref<1x4x200x64xbf16>, %arg1 : memref<1x2x300x64xbf16>, %arg2 : memref<1x2x300x64xbf16>, %arg3 : memref<1x4x200x64xbf16>, %arg5 : memref<1x4x200x64xbf16>, %arg6 : memref<1x2x300x64xbf16>, %arg7 : memref<1x2x300x64xbf16>, %{{.*}} : !llvm.ptr, %{{.*}} : !llvm.ptr, %{{.*}} : !llvm.ptr, %arg4 : memref<1x300xi1>, %[[L]] : memref<3200xi8>, %[[D]] : memref<3200xi8>, %c200_i32 : i32, %c300_i32 : i32, %c4_i32 : i32, %c2_i32 : i32, %c0_i32 : i32)
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_simt_bwd_dkdv_bf16_d64_q64_kv64_dense_km_s0x3e000000 blocks in (%c75, %c2, %c1)
// CHECK-SAME: %[[L]] : memref<3200xi8>, %[[D]] : memref<3200xi8>,
func.func @main(%q: tensor<1x4x200x64xbf16>, %k: tensor<1x2x300x64xbf16>, %v: tensor<1x2x300x64xbf16>, %do: tensor<1x4x200x64xbf16>, %m: tensor<1x300xi1>) -> (tensor<1x4x200x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>) {
  %dq, %dk, %dv = attn.sdpa_grad %q, %k, %v, %do key_mask %m : (tensor<1x4x200x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x4x200x64xbf16>, tensor<1x300xi1>) -> (tensor<1x4x200x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>)
  return %dq, %dk, %dv : tensor<1x4x200x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>
}

// -----

// Block-sparse with run-time tables: K = 3 ids a row, block sizes.
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_simt_bwd_dq_f16_d64_q64_kv64_idx_vbs_s
// CHECK-SAME: %arg4 : memref<1x4x8x3xi32>, %arg5 : memref<1x4x8xi32>, %arg6 : memref<8xi32>,
// CHECK-SAME: %c512_i32 : i32, %c512_i32 : i32, %c4_i32 : i32, %c2_i32 : i32, %c3_i32 : i32)
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_simt_bwd_dkdv_f16_d64_q64_kv64_idx_vbs_s{{.*}} blocks in (%c128, %c2, %c1)
func.func @main(%q: tensor<1x4x512x64xf16>, %k: tensor<1x2x512x64xf16>, %v: tensor<1x2x512x64xf16>,
                %do: tensor<1x4x512x64xf16>, %idx: tensor<1x4x8x3xi32>, %cnt: tensor<1x4x8xi32>, %vbs: tensor<8xi32>)
    -> (tensor<1x4x512x64xf16>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>) {
  %dq, %dk, %dv = attn.block_sparse_grad %q, %k, %v, %do, %idx, %cnt, %vbs block_q 64 block_kv 64
      : (tensor<1x4x512x64xf16>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>, tensor<1x4x512x64xf16>, tensor<1x4x8x3xi32>, tensor<1x4x8xi32>, tensor<8xi32>)
      -> (tensor<1x4x512x64xf16>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>)
  return %dq, %dk, %dv : tensor<1x4x512x64xf16>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>
}

// -----

// VSA's gradient after attn-optimize: the fine branch's block_sparse_grad
// and the coarse branch's sdpa_grad both on the backward kernels; the
// reshapes of dout and the gate (into tiles) are the arguments' buffers.
// CHECK-LABEL: func.func @main(
// CHECK-NOT: tensor.expand_shape
// CHECK: @attn_simt_bwd_dq_bf16_d4_q4_kv4_idx_vbs_s
// CHECK: @attn_simt_bwd_dkdv_bf16_d4_q4_kv4_idx_vbs_s
// CHECK: gpu.launch_func @attn_kernels::@attn_linalg_{{[0-9]+}} {{.*}} args(%arg2 : memref<1x2x8x4xbf16>, %arg3 : memref<1x2x8x4xbf16>,
// CHECK: @attn_simt_bwd_dq_f32_d4_q64_kv64_dense_s
// CHECK: @attn_simt_bwd_dkdv_f32_d4_q64_kv64_dense_s
func.func @main(%q: tensor<1x2x8x4xbf16>, %k: tensor<1x1x8x4xbf16>, %do: tensor<1x2x8x4xbf16>, %g: tensor<1x2x8x4xbf16>, %s: tensor<2xi32>) -> (tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>) {
  %dq, %dk, %dv, %dg = attn.vsa_grad %q, %k, %k, %do gate %g q_block_sizes %s kv_block_sizes %s block 4 topk 1
      : (tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<2xi32>, tensor<2xi32>)
      -> (tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>)
  return %dq, %dk, %dv, %dg : tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>
}

// -----

// Bad input: a head dim the backward kernels do not take, and an element
// type no attention kernel takes.
func.func @main(%q: tensor<1x1x8x300xf32>) -> (tensor<1x1x8x300xf32>, tensor<1x1x8x300xf32>, tensor<1x1x8x300xf32>) {
  // expected-error @+1 {{simt kernel: head_dim must be in [1, 256], got 300}}
  %dq, %dk, %dv = attn.sdpa_grad %q, %q, %q, %q : (tensor<1x1x8x300xf32>, tensor<1x1x8x300xf32>, tensor<1x1x8x300xf32>, tensor<1x1x8x300xf32>) -> (tensor<1x1x8x300xf32>, tensor<1x1x8x300xf32>, tensor<1x1x8x300xf32>)
  return %dq, %dk, %dv : tensor<1x1x8x300xf32>, tensor<1x1x8x300xf32>, tensor<1x1x8x300xf32>
}

// -----

// Constant tables are checked as the forward's are: a count past K.
func.func @main(%q: tensor<1x1x128x64xbf16>) -> (tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>) {
  %idx = arith.constant dense<[[[[0], [1]]]]> : tensor<1x1x2x1xi32>
  %cnt = arith.constant dense<[[[1, 2]]]> : tensor<1x1x2xi32>
  // expected-error @+1 {{attn-to-gpu: kv_counts entry 1 = 2 is outside [0, 1]}}
  %dq, %dk, %dv = attn.block_sparse_grad %q, %q, %q, %q, %idx, %cnt block_q 64 block_kv 64
      : (tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x2x1xi32>, tensor<1x1x2xi32>)
      -> (tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>)
  return %dq, %dk, %dv : tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>
}

// -----

// A block listed twice in one row (the ids of a row are distinct).
func.func @main(%q: tensor<1x1x128x64xbf16>) -> (tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>) {
  %idx = arith.constant dense<[[[[0, 1], [1, 1]]]]> : tensor<1x1x2x2xi32>
  %cnt = arith.constant dense<[[[2, 2]]]> : tensor<1x1x2xi32>
  // expected-error @+1 {{attn-to-gpu: kv_indices row 1 lists block 1 twice (entries 0 and 1)}}
  %dq, %dk, %dv = attn.block_sparse_grad %q, %q, %q, %q, %idx, %cnt block_q 64 block_kv 64
      : (tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>)
      -> (tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>)
  return %dq, %dk, %dv : tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>
}
