// attn.sliding_tile_grad with a dynamic sequence and a tile_grid of 2^33
// tiles: attn-plan-sparsity built its constant window tables and ran out of
// memory (std::bad_alloc); it now reports the plan's size limit.
func.func @main(%q: tensor<1x2x?x4xf32>, %do: tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32> {
  %dq, %dk, %dv = attn.sliding_tile_grad %q, %q, %q, %do tile_grid [2, 2, 2147483648] tile [2, 2, 2] window [1, 1, 1] : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>)
  return %dq : tensor<1x2x?x4xf32>
}
