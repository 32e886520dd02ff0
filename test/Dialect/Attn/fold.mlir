// RUN: attn-opt %s --canonicalize | FileCheck %s

// CHECK-LABEL: func @untile_of_tile_folds
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x15x8xf32>)
// CHECK-NOT: attn.tile
// CHECK-NOT: attn.untile
// CHECK: return %[[X]]
func.func @untile_of_tile_folds(%x: tensor<1x2x15x8xf32>) -> tensor<1x2x15x8xf32> {
  %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x15x8xf32>
  %y = attn.untile %t grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x24x8xf32>
  return %y : tensor<1x2x15x8xf32>
}

// A different tiling of the same token count is a different permutation.
// CHECK-LABEL: func @untile_of_other_tile_stays
// CHECK: attn.tile
// CHECK: attn.untile
func.func @untile_of_other_tile_stays(%x: tensor<1x1x16x4xf32>) -> tensor<1x1x16x4xf32> {
  %t = attn.tile %x grid [1, 4, 4] tile [1, 2, 2] : tensor<1x1x16x4xf32>
  %y = attn.untile %t grid [1, 2, 8] tile [1, 2, 2] : tensor<1x1x16x4xf32>
  return %y : tensor<1x1x16x4xf32>
}

// tile(untile(y)) is not y: tiling zeroes the pad slots that y may fill.
// CHECK-LABEL: func @tile_of_untile_stays
// CHECK: attn.untile
// CHECK: attn.tile
func.func @tile_of_untile_stays(%y: tensor<1x2x24x8xf32>) -> tensor<1x2x24x8xf32> {
  %u = attn.untile %y grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x24x8xf32>
  %t = attn.tile %u grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x15x8xf32>
  return %t : tensor<1x2x24x8xf32>
}

// Pure ops with no use disappear.
// CHECK-LABEL: func @dead_mask_erased
// CHECK-NOT: attn.mask_from_lengths
func.func @dead_mask_erased(%len: tensor<2xi32>) {
  %m = attn.mask_from_lengths %len size 8 : tensor<2xi32>
  return
}
