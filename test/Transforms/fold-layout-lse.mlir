// RUN: attn-opt %s --attn-fold-layout | FileCheck %s

// tile(untile(y)) feeding attention queries cancels to y when the pads do
// not matter (first function). With an lse result they do: the lse has a row
// per query slot, so a pad slot holding y's values instead of tile's zeros
// would change it; the pair becomes one gather that keeps the zero pads.

// CHECK-LABEL: func.func @without_lse
// CHECK-SAME: (%[[Y:.*]]: tensor<1x1x24x8xf32>, %[[K:.*]]: tensor<1x1x5x8xf32>)
// CHECK-NOT: attn.tile
// CHECK: attn.sdpa %[[Y]], %[[K]], %[[K]]
func.func @without_lse(%y: tensor<1x1x24x8xf32>, %k: tensor<1x1x5x8xf32>) -> tensor<1x1x15x8xf32> {
  %u = attn.untile %y grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  %t = attn.tile %u grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
  %o = attn.sdpa %t, %k, %k : (tensor<1x1x24x8xf32>, tensor<1x1x5x8xf32>, tensor<1x1x5x8xf32>) -> tensor<1x1x24x8xf32>
  %r = attn.untile %o grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  return %r : tensor<1x1x15x8xf32>
}

// CHECK-LABEL: func.func @with_lse
// CHECK-SAME: (%[[Y:.*]]: tensor<1x1x24x8xf32>, %[[K:.*]]: tensor<1x1x5x8xf32>)
// CHECK: %[[G:.*]] = linalg.generic {{.*}} attrs = {attn.token_gather}
// CHECK: %{{.*}}, %[[LSE:.*]] = attn.sdpa %[[G]], %[[K]], %[[K]]
// CHECK: return %{{.*}}, %[[LSE]]
func.func @with_lse(%y: tensor<1x1x24x8xf32>, %k: tensor<1x1x5x8xf32>) -> (tensor<1x1x15x8xf32>, tensor<1x1x24xf32>) {
  %u = attn.untile %y grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  %t = attn.tile %u grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
  %o, %lse = attn.sdpa %t, %k, %k : (tensor<1x1x24x8xf32>, tensor<1x1x5x8xf32>, tensor<1x1x5x8xf32>) -> (tensor<1x1x24x8xf32>, tensor<1x1x24xf32>)
  %r = attn.untile %o grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  return %r, %lse : tensor<1x1x15x8xf32>, tensor<1x1x24xf32>
}
