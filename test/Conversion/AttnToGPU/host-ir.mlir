// The host function the plan is written as: memref arguments and
// out-parameters, scratch allocs, constant tables, launches with their
// grid/threads/shared memory and operands, host loops.
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches="wgmma=false" -verify-diagnostics | FileCheck %s
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches="tensor-cores=false" -verify-diagnostics | FileCheck %s --check-prefix=SIMT

// A ragged dense attention (100 rows: the last query block is partial) on
// the tensor-core kernel; results become out-parameters.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %arg0: memref<1x2x100x64xbf16>, %arg1: memref<1x2x100x64xbf16>, %arg2: memref<1x2x100x64xbf16>, %arg3: memref<1x2x100x64xbf16>) attributes {attn.num_args = 3 : i64}
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: gpu.launch_func @attn_kernels::@attn_flash_bf16_d64_q64_kv64_dense_s{{[0-9a-fx]*}} blocks in (%c2, %c2, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c36864_i32 args(%arg0 : memref<1x2x100x64xbf16>, %arg1 : memref<1x2x100x64xbf16>, %arg2 : memref<1x2x100x64xbf16>, %arg3 : memref<1x2x100x64xbf16>, %[[NULL]] : !llvm.ptr, %[[NULL]] : !llvm.ptr, %[[NULL]] : !llvm.ptr, %[[NULL]] : !llvm.ptr, %c100_i32 : i32, %c100_i32 : i32, %c2_i32 : i32, %c2_i32 : i32, %c2_i32 : i32)
// CHECK-NEXT: return
// CHECK: gpu.module @attn_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">]
// CHECK: llvm.func @attn_flash_bf16_d64_q64_kv64_dense_s{{.*}} attributes {gpu.kernel
// SIMT-LABEL: func.func @main(
// SIMT: gpu.launch_func @attn_kernels::@attn_simt_bf16_d64_q64_kv64_dense_s{{.*}} blocks in (%c25, %c2, %c1) threads in (%c128, %c1, %c1)
func.func @main(%q: tensor<1x2x100x64xbf16>, %k: tensor<1x2x100x64xbf16>, %v: tensor<1x2x100x64xbf16>) -> tensor<1x2x100x64xbf16> {
  %o = attn.sdpa %q, %k, %v : (tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>) -> tensor<1x2x100x64xbf16>
  return %o : tensor<1x2x100x64xbf16>
}

// -----

// A loop with a static trip count stays a loop on the host; the carried
// value lives in its own buffer, updated at the end of each trip.
// CHECK-LABEL: func.func @main(
// CHECK: %[[C:.*]] = memref.alloc() {attn.scratch
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args(%arg0 : memref<1x1x64x64xf16>, %[[C]] :
// CHECK: scf.for %{{.*}} = %c0 to %c7 step %c1 {
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_flash_f16_d64_q64_kv64_dense_s{{.*}} args(%[[C]] : {{[^,]*}}, %[[C]] : {{[^,]*}}, %[[C]] : {{[^,]*}}, %[[T:[a-z0-9_]*]] :
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args(%[[T]] : {{.*}}, %[[C]] :
// CHECK-NEXT: }
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args(%[[C]] : {{.*}}, %arg1 :
func.func @main(%x: tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %r = scf.for %i = %c0 to %c7 step %c1 iter_args(%a = %x) -> tensor<1x1x64x64xf16> {
    %o = attn.sdpa %a, %a, %a : (tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16>
    scf.yield %o : tensor<1x1x64x64xf16>
  }
  return %r : tensor<1x1x64x64xf16>
}

// -----

func.func @main(%x: tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32> {
  // expected-error @+1 {{attn-to-gpu: 'math.exp' has no GPU lowering}}
  %e = math.exp %x : tensor<1x1x64x64xf32>
  return %e : tensor<1x1x64x64xf32>
}

// -----

func.func @main(%x: tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32> {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  // expected-error @+1 {{attn-to-gpu: loops need constant bounds and a positive step}}
  %r = scf.for %i = %c0 to %c4 step %c0 iter_args(%a = %x) -> tensor<1x1x64x64xf32> {
    scf.yield %a : tensor<1x1x64x64xf32>
  }
  return %r : tensor<1x1x64x64xf32>
}
