// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches -verify-diagnostics | FileCheck %s
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

// Layout chains compose: concat(tile(x), t) feeds the kernel through one
// gather per source into one buffer; the sliced, untiled output goes
// straight from the kernel's buffer into the result with one gather each.
// CHECK: memref.global "private" constant @attn_table_0 : memref<16xi32> = dense<[0, 1, 4, 5, 2, 3, 6, 7, 8, 9, -1, -1, 10, 11, -1, -1]>
// CHECK-LABEL: func.func @main(
// CHECK-DAG: %[[S0:.*]] = memref.alloc() {attn.scratch = 0 : i64} : memref<2560xi8>
// CHECK-DAG: %[[S1:.*]] = memref.alloc() {attn.scratch = 1 : i64} : memref<2560xi8>
// CHECK-DAG: %[[T_TILE:.*]] = memref.get_global @attn_table_0 : memref<16xi32>
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args(%arg0 : memref<1x1x12x32xf32>, %[[S0]] : memref<2560xi8>, %[[T_TILE]] : memref<16xi32>, %c16_i32 : i32, %c12_i32 : i32, %c20_i32 : i32, %c0_i32 : i32, %c8_i32 : i32)
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args(%arg1 : memref<1x1x4x32xf32>, %[[S0]] : memref<2560xi8>, %{{.*}} : memref<4xi32>, %c4_i32 : i32, %c4_i32 : i32, %c20_i32 : i32, %c16_i32 : i32, %c8_i32 : i32)
// CHECK: gpu.launch_func @attn_kernels::@attn_simt_f32_d32_q64_kv64_dense_s{{.*}} args(%[[S0]] : {{.*}}, %[[S0]] : {{.*}}, %[[S0]] : {{.*}}, %[[S1]] :
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args(%[[S1]] : memref<2560xi8>, %arg2 : memref<1x1x12x32xf32>, %{{.*}} : memref<12xi32>, %c12_i32 : i32, %c20_i32 : i32, %c12_i32 : i32, %c0_i32 : i32, %c8_i32 : i32)
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args(%[[S1]] : memref<2560xi8>, %arg3 : memref<1x1x4x32xf32>
// CHECK-NOT: gpu.launch_func
// CHECK: memref.dealloc %[[S0]]
func.func @main(%x: tensor<1x1x12x32xf32>, %t: tensor<1x1x4x32xf32>) -> (tensor<1x1x12x32xf32>, tensor<1x1x4x32xf32>) {
  %a = attn.tile %x grid [1, 3, 4] tile [1, 2, 2] : tensor<1x1x12x32xf32>
  %c = tensor.concat dim(2) %a, %t : (tensor<1x1x16x32xf32>, tensor<1x1x4x32xf32>) -> tensor<1x1x20x32xf32>
  %o = attn.sdpa %c, %c, %c : (tensor<1x1x20x32xf32>, tensor<1x1x20x32xf32>, tensor<1x1x20x32xf32>) -> tensor<1x1x20x32xf32>
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 1, 16, 32] [1, 1, 1, 1] : tensor<1x1x20x32xf32> to tensor<1x1x16x32xf32>
  %ot = tensor.extract_slice %o[0, 0, 16, 0] [1, 1, 4, 32] [1, 1, 1, 1] : tensor<1x1x20x32xf32> to tensor<1x1x4x32xf32>
  %u = attn.untile %oi grid [1, 3, 4] tile [1, 2, 2] : tensor<1x1x16x32xf32>
  return %u, %ot : tensor<1x1x12x32xf32>, tensor<1x1x4x32xf32>
}

// -----

// Dynamic tables (arguments) get a checked-mode launch before the kernel
// that reads them; a chain of attention ops shares scratch buffers whose
// lifetimes do not overlap (three intermediates, two buffers).
// CHECK-LABEL: func.func @main(
// CHECK-COUNT-2: memref.alloc() {attn.scratch
// CHECK-NOT: memref.alloc() {attn.scratch
// CHECK: %[[ERR:.*]] = memref.alloc() {attn.error_buffer} : memref<2xi32>
// CHECK: gpu.launch_func @attn_kernels::@attn_check_kv blocks in (%c1, %c1, %c1) threads in (%c128, %c1, %c1) {{.*}} args(%arg3 : memref<1x2x2x2xi32>, %arg4 : memref<1x2x2xi32>, %[[ERR]] : memref<2xi32>, %c4_i32 : i32, %c2_i32 : i32, %c2_i32 : i32) {attn.check_dims = array<i64: 1, 2, 2>}
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_flash_bf16_d128_q64_kv64_idx_s
// CHECK-COUNT-3: gpu.launch_func @attn_kernels::@attn_flash_bf16_d128_q64_kv64_dense_s
func.func @main(%q: tensor<1x2x128x128xbf16>, %k: tensor<1x2x128x128xbf16>, %v: tensor<1x2x128x128xbf16>,
                %idx: tensor<1x2x2x2xi32>, %cnt: tensor<1x2x2xi32>) -> tensor<1x2x128x128xbf16> {
  %a = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 64 block_kv 64
      : (tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x2x2xi32>, tensor<1x2x2xi32>) -> tensor<1x2x128x128xbf16>
  %b = attn.sdpa %a, %k, %v : (tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>) -> tensor<1x2x128x128xbf16>
  %c = attn.sdpa %b, %k, %v : (tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>) -> tensor<1x2x128x128xbf16>
  %d = attn.sdpa %c, %k, %v : (tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>) -> tensor<1x2x128x128xbf16>
  return %d : tensor<1x2x128x128xbf16>
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

// Constant tables are validated at compile time.
func.func @main(%q: tensor<1x1x128x64xbf16>) -> tensor<1x1x128x64xbf16> {
  %idx = arith.constant dense<[[[[0], [2]]]]> : tensor<1x1x2x1xi32>
  %cnt = arith.constant dense<[[[1, 1]]]> : tensor<1x1x2xi32>
  // expected-error @+1 {{attn-to-gpu: kv_indices row 1 entry 0 = 2 is outside [0, 2)}}
  %o = attn.block_sparse %q, %q, %q, %idx, %cnt block_q 64 block_kv 64
      : (tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x128x64xbf16>, tensor<1x1x2x1xi32>, tensor<1x1x2xi32>) -> tensor<1x1x128x64xbf16>
  return %o : tensor<1x1x128x64xbf16>
}

// -----

func.func @main(%x: tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32> {
  // expected-error @+1 {{attn-to-gpu: 'math.exp' has no GPU lowering}}
  %e = math.exp %x : tensor<1x1x64x64xf32>
  return %e : tensor<1x1x64x64xf32>
}

// -----

func.func @main(%x: tensor<1x1x64x64xf32>) -> tensor<1x1x64x32xf32> {
  // expected-error @+1 {{attn-to-gpu: tensor.extract_slice only of whole rows}}
  %s = tensor.extract_slice %x[0, 0, 0, 0] [1, 1, 64, 32] [1, 1, 1, 1] : tensor<1x1x64x64xf32> to tensor<1x1x64x32xf32>
  return %s : tensor<1x1x64x32xf32>
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
