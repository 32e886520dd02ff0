// Layout ops as row views, written by one gather per run of rows.
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches -verify-diagnostics | FileCheck %s

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

// Zero padding along the sequence is zero rows of the view (table entry -1);
// a slice of a padded value that cancels the pad is the source itself, so
// the result is one gather straight from the argument.
// CHECK: memref.global "private" constant @attn_table_0 : memref<8xi32> = dense<[-1, -1, 0, 1, 2, 3, -1, -1]>
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args(%arg0 : memref<1x1x4x32xf32>, %arg1 : memref<1x1x8x32xf32>, %{{.*}} : memref<8xi32>, %c8_i32 : i32, %c4_i32 : i32, %c8_i32 : i32, %c0_i32 : i32, %c8_i32 : i32)
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args(%arg0 : memref<1x1x4x32xf32>, %arg2 : memref<1x1x4x32xf32>
// CHECK-NOT: gpu.launch_func
func.func @main(%x: tensor<1x1x4x32xf32>) -> (tensor<1x1x8x32xf32>, tensor<1x1x4x32xf32>) {
  %z = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 2, 0] high[0, 0, 2, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %z : f32
  } : tensor<1x1x4x32xf32> to tensor<1x1x8x32xf32>
  %s = tensor.extract_slice %p[0, 0, 2, 0] [1, 1, 4, 32] [1, 1, 1, 1] : tensor<1x1x8x32xf32> to tensor<1x1x4x32xf32>
  return %p, %s : tensor<1x1x8x32xf32>, tensor<1x1x4x32xf32>
}

// -----

func.func @main(%x: tensor<1x1x64x64xf32>) -> tensor<1x1x64x32xf32> {
  // expected-error @+1 {{attn-to-gpu: tensor.extract_slice only of whole rows}}
  %s = tensor.extract_slice %x[0, 0, 0, 0] [1, 1, 64, 32] [1, 1, 1, 1] : tensor<1x1x64x64xf32> to tensor<1x1x64x32xf32>
  return %s : tensor<1x1x64x32xf32>
}

// -----

func.func @main(%x: tensor<1x1x4x32xf32>) -> tensor<1x2x4x32xf32> {
  // expected-error @+1 {{attn-to-gpu: tensor.concat only along the sequence dimension (2)}}
  %c = tensor.concat dim(1) %x, %x : (tensor<1x1x4x32xf32>, tensor<1x1x4x32xf32>) -> tensor<1x2x4x32xf32>
  return %c : tensor<1x2x4x32xf32>
}

// -----

func.func @main(%x: tensor<1x1x4x32xf32>) -> tensor<1x1x8x32xf32> {
  %one = arith.constant 1.0 : f32
  // expected-error @+1 {{attn-to-gpu: tensor.pad only with zeros along the sequence dimension (2)}}
  %p = tensor.pad %x low[0, 0, 2, 0] high[0, 0, 2, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %one : f32
  } : tensor<1x1x4x32xf32> to tensor<1x1x8x32xf32>
  return %p : tensor<1x1x8x32xf32>
}
