// attn.sliding_tile_grad with a dynamic sequence is reported by
// attn-plan-sparsity like the forward (the tables need the sequence).
// RUN: attn-opt %s --attn-plan-sparsity -verify-diagnostics

func.func @main(%q: tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32> {
  // expected-error @+1 {{attn-plan-sparsity needs a static sequence}}
  %dq, %dk, %dv = attn.sliding_tile_grad %q, %q, %q, %q tile_grid [2, 2, 2] tile [2, 2, 2] window [1, 1, 1] : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>)
  return %dq : tensor<1x2x?x4xf32>
}
