// attn.sliding_tile_grad with a dynamic sequence is planned like the
// forward: tables computed per call, q, k, v and dout padded to whole
// blocks, dq (the result used here; dk and dv likewise) sliced back
// (plan-sparsity-dynamic.mlir has the forward's details).
// RUN: attn-opt %s --attn-plan-sparsity | FileCheck %s

// CHECK-LABEL: func.func @main
// CHECK: tensor.dim %arg0, %c2
// CHECK: %[[DP:.*]] = tensor.pad %arg1
// CHECK: %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]] = attn.block_sparse_grad %{{.*}}, %{{.*}}, %{{.*}}, %[[DP]], %{{.*}}, %{{.*}}, %{{.*}} block_q 8 block_kv 8
// CHECK: tensor.extract_slice %[[DQ]][0, 0, 0, 0] [1, 2, %{{.*}}, 4]
// CHECK-NOT: attn.sliding_tile_grad
func.func @main(%q: tensor<1x2x?x4xf32>, %do: tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32> {
  %dq, %dk, %dv = attn.sliding_tile_grad %q, %q, %q, %do tile_grid [2, 2, 2] tile [2, 2, 2] window [1, 1, 1] : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>)
  return %dq : tensor<1x2x?x4xf32>
}
