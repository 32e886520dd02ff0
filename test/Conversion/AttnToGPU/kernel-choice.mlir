// The kernel (and launch) each compute op gets.
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches="wgmma=false" -verify-diagnostics | FileCheck %s
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches="block-q=128 dense-block-kv=128 wgmma=false" -verify-diagnostics | FileCheck %s --check-prefix=Q128
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches="tensor-cores=false" -verify-diagnostics | FileCheck %s --check-prefix=SIMT
// RUN: not attn-opt %s -split-input-file -convert-attn-to-gpu-launches="chip=sm_80" 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: not attn-opt %s -split-input-file -convert-attn-to-gpu-launches="block-q=96" 2>&1 | FileCheck %s --check-prefix=BQ
// RUN: not attn-opt %s -split-input-file -convert-attn-to-gpu-launches="chip=sm_86" 2>&1 | FileCheck %s --check-prefix=CHIP

// BQ: error: attn-to-gpu: block-q must be 64 or 128, got 96
// CHIP: error: attn-to-gpu: chip must be one of sm_80, sm_90, sm_90a; got 'sm_86'

// f16/bf16 with head dim 64 or 128 take the tensor-core (flash) kernel: a
// CTA of 4 warps per 64 query rows (8 warps per 128 with block-q=128), two
// stages of K and V tiles in shared memory; f32 and other head dims take the
// SIMT kernel (4 rows per CTA of 128 threads, no shared memory).
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_flash_f16_d64_q64_kv64_dense_s{{[0-9a-fx]+}} blocks in (%c2, %c2, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c36864_i32
// CHECK: gpu.launch_func @attn_kernels::@attn_simt_f32_d64_q64_kv64_dense_s{{[0-9a-fx]+}} blocks in (%c32, %c2, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c0_i32
// CHECK: gpu.launch_func @attn_kernels::@attn_simt_bf16_d48_q64_kv64_dense_s{{[0-9a-fx]+}} blocks in (%c32, %c2, %c1)
// Q128-LABEL: func.func @main(
// Q128: gpu.launch_func @attn_kernels::@attn_flash_f16_d64_q128_kv128_dense_s{{[0-9a-fx]+}} blocks in (%c1, %c2, %c1) threads in (%c256, %c1, %c1) dynamic_shared_memory_size %c73728_i32
// Q128: gpu.launch_func @attn_kernels::@attn_simt_f32_d64_q128_kv64_dense_s
// SIMT-LABEL: func.func @main(
// SIMT-NOT: attn_flash
// SIMT: gpu.launch_func @attn_kernels::@attn_simt_f16_d64_q64_kv64_dense_s{{[0-9a-fx]+}} blocks in (%c32, %c2, %c1)
func.func @main(%q: tensor<1x2x128x64xf16>, %qf: tensor<1x2x128x64xf32>, %q48: tensor<1x2x128x48xbf16>) -> (tensor<1x2x128x64xf16>, tensor<1x2x128x64xf32>, tensor<1x2x128x48xbf16>) {
  %a = attn.sdpa %q, %q, %q : (tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<1x2x128x64xf16>
  %b = attn.sdpa %qf, %qf, %qf : (tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x2x128x64xf32>
  %c = attn.sdpa %q48, %q48, %q48 : (tensor<1x2x128x48xbf16>, tensor<1x2x128x48xbf16>, tensor<1x2x128x48xbf16>) -> tensor<1x2x128x48xbf16>
  return %a, %b, %c : tensor<1x2x128x64xf16>, tensor<1x2x128x64xf32>, tensor<1x2x128x48xbf16>
}

// -----

// STA's 384-token tiles with constant tables: the 64-row kernel walks each
// table row as 6 query blocks and each listed tile as 6 kv blocks (_t6), the
// tables keep their planned size; with block-q=128, 3 query blocks of 128
// rows per table row (_r3).
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_flash_bf16_d64_q64_kv64_idx_vbs_t6_s{{[0-9a-fx]+}} blocks in (%c12, %c1, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c36864_i32
// CHECK-NOT: attn_check_kv
// Q128-LABEL: func.func @main(
// Q128: gpu.launch_func @attn_kernels::@attn_flash_bf16_d64_q128_kv64_idx_vbs_t6_r3_s{{[0-9a-fx]+}} blocks in (%c6, %c1, %c1) threads in (%c256, %c1, %c1)
// SIMT-LABEL: func.func @main(
// SIMT: gpu.launch_func @attn_kernels::@attn_simt_bf16_d64_q384_kv384_idx_vbs_s{{[0-9a-fx]+}} blocks in (%c192, %c1, %c1)
func.func @main(%q: tensor<1x1x768x64xbf16>) -> tensor<1x1x768x64xbf16> {
  %idx = arith.constant dense<[[[[0, 1], [1, 0]]]]> : tensor<1x1x2x2xi32>
  %cnt = arith.constant dense<[[[2, 1]]]> : tensor<1x1x2xi32>
  %vbs = arith.constant dense<[384, 300]> : tensor<2xi32>
  %o = attn.block_sparse %q, %q, %q, %idx, %cnt, %vbs block_q 384 block_kv 384
      : (tensor<1x1x768x64xbf16>, tensor<1x1x768x64xbf16>, tensor<1x1x768x64xbf16>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>, tensor<2xi32>) -> tensor<1x1x768x64xbf16>
  return %o : tensor<1x1x768x64xbf16>
}

// -----

// Dynamic tables (arguments) get the checked-mode launch first: the
// ATTNRT_CHECK_KV_* parameters (indices, counts, error buffer, rows, K, Nkv)
// and the table's dims for the runtime's report.
// CHECK-LABEL: func.func @main(
// CHECK: %[[ERR:.*]] = memref.alloc() {attn.error_buffer} : memref<2xi32>
// CHECK: gpu.launch_func @attn_kernels::@attn_check_kv blocks in (%c1, %c1, %c1) threads in (%c128, %c1, %c1) {{.*}} args(%arg1 : memref<1x1x2x1xi32>, %arg2 : memref<1x1x2xi32>, %[[ERR]] : memref<2xi32>, %c2_i32 : i32, %c1_i32 : i32, %c2_i32 : i32) {attn.check_dims = array<i64: 1, 1, 2>}
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_flash_bf16_d64_q64_kv64_idx_s{{[0-9a-fx]+}} {{.*}} args(%arg0 : {{[^,]*}}, %arg0 : {{[^,]*}}, %arg0 : {{[^,]*}}, %arg3 : {{[^,]*}}, %arg1 : {{[^,]*}}, %arg2 : {{[^,]*}}, %{{.*}} : !llvm.ptr, %{{.*}} : !llvm.ptr, %c128_i32 : i32, %c128_i32 : i32, %c1_i32 : i32, %c1_i32 : i32, %c1_i32 : i32)
func.func @main(%q: tensor<1x1x128x64xbf16>, %idx: tensor<1x1x2x1xi32>, %cnt: tensor<1x1x2xi32>) -> tensor<1x1x128x64xbf16> {
  %o = attn.block_sparse %q, %q, %q, %idx, %cnt block_q 64 block_kv 64
      : (tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x2x1xi32>, tensor<1x1x2xi32>) -> tensor<1x1x128x64xbf16>
  return %o : tensor<1x1x128x64xbf16>
}

// -----

// Constant tables are validated at compile time.
func.func @main(%q: tensor<1x1x128x64xbf16>) -> tensor<1x1x128x64xbf16> {
  %idx = arith.constant dense<[[[[0], [1]]]]> : tensor<1x1x2x1xi32>
  %cnt = arith.constant dense<[[[1, 2]]]> : tensor<1x1x2xi32>
  // expected-error @+1 {{attn-to-gpu: kv_counts entry 1 = 2 is outside [0, 1]}}
  %o = attn.block_sparse %q, %q, %q, %idx, %cnt block_q 64 block_kv 64
      : (tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x2x1xi32>, tensor<1x1x2xi32>) -> tensor<1x1x128x64xbf16>
  return %o : tensor<1x1x128x64xbf16>
}

// -----

func.func @main(%q: tensor<1x1x128x64xbf16>) -> tensor<1x1x128x64xbf16> {
  %idx = arith.constant dense<[[[[0], [2]]]]> : tensor<1x1x2x1xi32>
  %cnt = arith.constant dense<[[[1, 1]]]> : tensor<1x1x2xi32>
  // expected-error @+1 {{attn-to-gpu: kv_indices row 1 entry 0 = 2 is outside [0, 2)}}
  %o = attn.block_sparse %q, %q, %q, %idx, %cnt block_q 64 block_kv 64
      : (tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x2x1xi32>, tensor<1x1x2xi32>) -> tensor<1x1x128x64xbf16>
  return %o : tensor<1x1x128x64xbf16>
}

// -----

func.func @main(%q: tensor<1x1x64x512xf32>) -> tensor<1x1x64x512xf32> {
  // expected-error @+1 {{attn-to-gpu: head dim 512 > 256}}
  %o = attn.sdpa %q, %q, %q : (tensor<1x1x64x512xf32>, tensor<1x1x64x512xf32>, tensor<1x1x64x512xf32>) -> tensor<1x1x64x512xf32>
  return %o : tensor<1x1x64x512xf32>
}

// -----

// block_topk: a warp a row, 4 rows a CTA. Up to 1024 kv blocks a lane
// keeps its keys in registers (attn_block_topk_r<keys a lane>, no shared
// memory): 624 blocks (Wan 1.3B) are r20, 1024 r32. Above, the keys sit in
// shared memory (4 bytes a kv block), fewer rows a CTA where they would not
// fit: 1025 blocks take 4 warps and 16400 bytes, 42000 blocks one warp
// (168000 bytes), which fits sm_90a's 227 KiB but not sm_80's 163 KiB. The
// row count is the last parameter.
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_block_topk blocks in (%c2, %c1, %c1) threads in (%c32, %c1, %c1) dynamic_shared_memory_size %c168000_i32
// CHECK: gpu.launch_func @attn_kernels::@attn_block_topk_r20 blocks in (%c3, %c1, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c0_i32 args({{.*}}, %c624_i32 : i32, %c5_i32 : i32, %c9_i32 : i32)
// CHECK: gpu.launch_func @attn_kernels::@attn_block_topk_r32 blocks in (%c1, %c1, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c0_i32 args({{.*}}, %c1024_i32 : i32, %c5_i32 : i32, %c1_i32 : i32)
// CHECK: gpu.launch_func @attn_kernels::@attn_block_topk blocks in (%c1, %c1, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c16400_i32 args({{.*}}, %c1025_i32 : i32, %c5_i32 : i32, %c1_i32 : i32)
// SM80: error: attn-to-gpu: block_topk over 42000 blocks needs 168000 bytes of shared memory, more than sm_80's 166912
func.func @main(%s: tensor<1x1x2x42000xf32>, %w: tensor<1x3x3x624xf32>, %r: tensor<1x1x1x1024xf32>, %t: tensor<1x1x1x1025xf32>) -> (tensor<1x1x2x4xi32>, tensor<1x1x2xi32>, tensor<1x3x3x5xi32>, tensor<1x1x1x5xi32>, tensor<1x1x1x5xi32>) {
  %i, %c = attn.block_topk %s k 4 : tensor<1x1x2x42000xf32>
  %wi, %wc = attn.block_topk %w k 5 : tensor<1x3x3x624xf32>
  %ri, %rc = attn.block_topk %r k 5 : tensor<1x1x1x1024xf32>
  %ti, %tc = attn.block_topk %t k 5 : tensor<1x1x1x1025xf32>
  return %i, %c, %wi, %ri, %ti : tensor<1x1x2x4xi32>, tensor<1x1x2xi32>, tensor<1x3x3x5xi32>, tensor<1x1x1x5xi32>, tensor<1x1x1x5xi32>
}
