// VSA's coarse scores (a zero fill, the contraction a . b^T of 16-bit
// inputs into f32, a multiplication by a constant) become one tensor-core
// launch, attn_contract_mma_<elt>[_s<scale bits>], when the fill and the
// scale have the contraction as their only partner; otherwise the ops are
// planned one by one (the SIMT contraction kernel and linalg kernels).
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches | FileCheck %s

#a = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#b = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#o = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// Fill and scale folded: grid (ceil(33/64), ceil(70/64), B*H), 128 threads,
// the scale (0.125 = 0x3e000000) in the name, I J R as i32 parameters.
// CHECK-LABEL: func.func @main(
// CHECK-NOT: attn_linalg
// CHECK: gpu.launch_func @attn_kernels::@attn_contract_mma_bf16_s0x3e000000 blocks in (%c1, %c2, %c2) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c0_i32 args({{.*}}, %c70_i32 : i32, %c33_i32 : i32, %c32_i32 : i32)
// CHECK-NOT: attn_linalg
// CHECK: return
func.func @main(%x: tensor<1x2x70x32xbf16>, %y: tensor<1x2x33x32xbf16>) -> tensor<1x2x70x33xf32> {
  %zero = arith.constant 0.0 : f32
  %s = arith.constant 0.125 : f32
  %e = tensor.empty() : tensor<1x2x70x33xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x70x33xf32>) -> tensor<1x2x70x33xf32>
  %c = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%x, %y : tensor<1x2x70x32xbf16>, tensor<1x2x33x32xbf16>) outs(%f : tensor<1x2x70x33xf32>) {
  ^bb0(%i: bf16, %j: bf16, %acc: f32):
    %0 = arith.extf %j : bf16 to f32
    %1 = arith.extf %i : bf16 to f32
    %2 = arith.mulf %1, %0 : f32
    %3 = arith.addf %acc, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<1x2x70x33xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x2x70x33xf32>) outs(%e : tensor<1x2x70x33xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %s, %in : f32
    linalg.yield %0 : f32
  } -> tensor<1x2x70x33xf32>
  return %r : tensor<1x2x70x33xf32>
}

// -----

#a = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#b = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#o = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// f16, no scale after it (the product in the other order): no suffix.
// CHECK-LABEL: func.func @main(
// CHECK-NOT: attn_linalg
// CHECK: gpu.launch_func @attn_kernels::@attn_contract_mma_f16 blocks in (%c2, %c1, %c3)
// CHECK-NOT: attn_linalg
func.func @main(%x: tensor<1x3x20x48xf16>, %y: tensor<1x3x65x48xf16>) -> tensor<1x3x20x65xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x20x65xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x20x65xf32>) -> tensor<1x3x20x65xf32>
  %c = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%x, %y : tensor<1x3x20x48xf16>, tensor<1x3x65x48xf16>) outs(%f : tensor<1x3x20x65xf32>) {
  ^bb0(%i: f16, %j: f16, %acc: f32):
    %0 = arith.extf %i : f16 to f32
    %1 = arith.extf %j : f16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %2, %acc : f32
    linalg.yield %3 : f32
  } -> tensor<1x3x20x65xf32>
  return %c : tensor<1x3x20x65xf32>
}

// -----

#a = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#b = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#o = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// Not folded: the init is filled with 1.0, so the SIMT contraction reads
// it, after the fill's own launch.
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_linalg_0 blocks
// CHECK: gpu.launch_func @attn_kernels::@attn_linalg_1_contract blocks in (%c2, %c3, %c2) threads in (%c256, %c1, %c1)
// CHECK-NOT: attn_contract_mma
// CHECK: return
func.func @main(%x: tensor<1x2x70x32xbf16>, %y: tensor<1x2x33x32xbf16>) -> tensor<1x2x70x33xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<1x2x70x33xf32>
  %f = linalg.fill ins(%one : f32) outs(%e : tensor<1x2x70x33xf32>) -> tensor<1x2x70x33xf32>
  %c = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%x, %y : tensor<1x2x70x32xbf16>, tensor<1x2x33x32xbf16>) outs(%f : tensor<1x2x70x33xf32>) {
  ^bb0(%i: bf16, %j: bf16, %acc: f32):
    %0 = arith.extf %j : bf16 to f32
    %1 = arith.extf %i : bf16 to f32
    %2 = arith.mulf %1, %0 : f32
    %3 = arith.addf %acc, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<1x2x70x33xf32>
  return %c : tensor<1x2x70x33xf32>
}

// -----

#a = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#b = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#o = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// The mma kernel without the scale: the unscaled scores have a second user
// (they are returned too), so the scale stays a linalg kernel.
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_contract_mma_bf16 blocks in (%c1, %c2, %c2) {{.*}} %arg3 : memref<1x2x70x33xf32>
// CHECK: gpu.launch_func @attn_kernels::@attn_linalg_0 blocks {{.*}} args(%arg3 : memref<1x2x70x33xf32>, %arg2 : memref<1x2x70x33xf32>)
// CHECK: return
func.func @main(%x: tensor<1x2x70x32xbf16>, %y: tensor<1x2x33x32xbf16>) -> (tensor<1x2x70x33xf32>, tensor<1x2x70x33xf32>) {
  %zero = arith.constant 0.0 : f32
  %s = arith.constant 0.125 : f32
  %e = tensor.empty() : tensor<1x2x70x33xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x70x33xf32>) -> tensor<1x2x70x33xf32>
  %c = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%x, %y : tensor<1x2x70x32xbf16>, tensor<1x2x33x32xbf16>) outs(%f : tensor<1x2x70x33xf32>) {
  ^bb0(%i: bf16, %j: bf16, %acc: f32):
    %0 = arith.extf %j : bf16 to f32
    %1 = arith.extf %i : bf16 to f32
    %2 = arith.mulf %1, %0 : f32
    %3 = arith.addf %acc, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<1x2x70x33xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x2x70x33xf32>) outs(%e : tensor<1x2x70x33xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %s : f32
    linalg.yield %0 : f32
  } -> tensor<1x2x70x33xf32>
  return %r, %c : tensor<1x2x70x33xf32>, tensor<1x2x70x33xf32>
}

// -----

#a = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#b = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#o = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// The SIMT contraction: R = 40 is not a multiple of 16 (first), f32 inputs
// (second), a payload that is not a plain multiply-add (third: max).
// CHECK-LABEL: func.func @main(
// CHECK-NOT: attn_contract_mma
// CHECK: attn_linalg_1_contract
// CHECK: attn_linalg_3_contract
// CHECK: attn_linalg_5_contract
// CHECK: return
func.func @main(%x: tensor<1x1x8x40xbf16>, %xf: tensor<1x1x8x32xf32>, %xb: tensor<1x1x8x32xbf16>) -> (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1x8x8xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
  %c0 = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%x, %x : tensor<1x1x8x40xbf16>, tensor<1x1x8x40xbf16>) outs(%f0 : tensor<1x1x8x8xf32>) {
  ^bb0(%i: bf16, %j: bf16, %acc: f32):
    %0 = arith.extf %j : bf16 to f32
    %1 = arith.extf %i : bf16 to f32
    %2 = arith.mulf %1, %0 : f32
    %3 = arith.addf %acc, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<1x1x8x8xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
  %c1 = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%xf, %xf : tensor<1x1x8x32xf32>, tensor<1x1x8x32xf32>) outs(%f1 : tensor<1x1x8x8xf32>) {
  ^bb0(%i: f32, %j: f32, %acc: f32):
    %2 = arith.mulf %i, %j : f32
    %3 = arith.addf %acc, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<1x1x8x8xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
  %c2 = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%xb, %xb : tensor<1x1x8x32xbf16>, tensor<1x1x8x32xbf16>) outs(%f2 : tensor<1x1x8x8xf32>) {
  ^bb0(%i: bf16, %j: bf16, %acc: f32):
    %0 = arith.extf %j : bf16 to f32
    %1 = arith.extf %i : bf16 to f32
    %2 = arith.mulf %1, %0 : f32
    %3 = arith.maximumf %acc, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<1x1x8x8xf32>
  return %c0, %c1, %c2 : tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>
}
