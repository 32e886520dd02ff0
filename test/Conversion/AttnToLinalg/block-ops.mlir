// RUN: attn-opt %s --convert-attn-to-linalg | FileCheck %s

// CHECK-LABEL: func @mask
// CHECK: linalg.generic
// CHECK: arith.cmpi slt
// CHECK-NOT: attn.
func.func @mask(%len: tensor<2xi32>) -> tensor<2x5xi1> {
  %m = attn.mask_from_lengths %len size 5 : tensor<2xi32>
  return %m : tensor<2x5xi1>
}

// block_mean views the input as [B, H, N, P, D] and sums the valid slots.
// CHECK-LABEL: func @mean
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1], [2, 3], [4]] {{.*}} into tensor<1x1x2x4x3xf16>
// CHECK: arith.extf
// CHECK: arith.divf
// CHECK: arith.truncf
func.func @mean(%x: tensor<1x1x8x3xf16>, %s: tensor<2xi32>) -> tensor<1x1x2x3xf16> {
  %m = attn.block_mean %x, %s block 4 : tensor<1x1x8x3xf16>, tensor<2xi32>
  return %m : tensor<1x1x2x3xf16>
}

// block_topk: rank (with the lower-id tie break), ascending compaction, and
// counts that are the constant k.
// CHECK-LABEL: func @topk
// CHECK: arith.cmpf uno
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oeq
// CHECK: linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<1x1x3xi32>)
func.func @topk(%s: tensor<1x1x3x5xf32>) -> (tensor<1x1x3x2xi32>, tensor<1x1x3xi32>) {
  %i, %c = attn.block_topk %s k 2 : tensor<1x1x3x5xf32>
  return %i, %c : tensor<1x1x3x2xi32>, tensor<1x1x3xi32>
}
