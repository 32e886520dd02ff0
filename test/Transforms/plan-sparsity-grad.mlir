// attn-plan-sparsity turns attn.sliding_tile_grad into attn.block_sparse_grad
// on the same constant tables as the forward: q/k/v/dout padded to whole
// blocks when the text tail is ragged, each gradient sliced back.
// RUN: attn-opt %s --attn-plan-sparsity | FileCheck %s

// CHECK-LABEL: func.func @main(
// CHECK: %[[Q:.*]] = tensor.pad %arg0 low[0, 0, 0, 0] high[0, 0, 7, 0]
// CHECK: %[[K:.*]] = tensor.pad %arg0 low[0, 0, 0, 0] high[0, 0, 7, 0]
// CHECK: %[[V:.*]] = tensor.pad %arg0 low[0, 0, 0, 0] high[0, 0, 7, 0]
// CHECK: %[[D:.*]] = tensor.pad %arg1 low[0, 0, 0, 0] high[0, 0, 7, 0]
// CHECK: %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]] = attn.block_sparse_grad %[[Q]], %[[K]], %[[V]], %[[D]], {{.*}} block_q 8 block_kv 8 : {{.*}} -> (tensor<1x2x80x4xf32>, tensor<1x2x80x4xf32>, tensor<1x2x80x4xf32>)
// CHECK: tensor.extract_slice %[[DQ]][0, 0, 0, 0] [1, 2, 73, 4]
// CHECK: tensor.extract_slice %[[DK]][0, 0, 0, 0] [1, 2, 73, 4]
// CHECK: tensor.extract_slice %[[DV]][0, 0, 0, 0] [1, 2, 73, 4]
// CHECK-NOT: attn.sliding_tile_grad
func.func @main(%q: tensor<1x2x73x4xf32>, %do: tensor<1x2x73x4xf32>) -> (tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>) {
  %dq, %dk, %dv = attn.sliding_tile_grad %q, %q, %q, %do tile_grid [2, 2, 2] tile [2, 2, 2] windows [1, 1, 1, 2, 1, 2] text_length 5 : (tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>) -> (tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>)
  return %dq, %dk, %dv : tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>
}

