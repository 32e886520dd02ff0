// RUN: attn-opt %s --attn-plan-sparsity -split-input-file -verify-diagnostics

// The plan is a constant of static shape: a dynamic batch is reported, and
// the op is left alone rather than planned wrongly.
func.func @dynamic_batch(%q: tensor<?x1x16x4xf32>) -> tensor<?x1x16x4xf32> {
  // expected-error @+1 {{attn-plan-sparsity needs statically shaped operands}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1]
      : (tensor<?x1x16x4xf32>, tensor<?x1x16x4xf32>, tensor<?x1x16x4xf32>) -> tensor<?x1x16x4xf32>
  return %o : tensor<?x1x16x4xf32>
}

// -----

// A run-time text length: the plan's tables are constants, so the pass needs
// the attribute for now.
func.func @text_length_operand(%q: tensor<1x1x20x4xf32>, %n: i64) -> tensor<1x1x20x4xf32> {
  // expected-error @+1 {{attn-plan-sparsity needs statically shaped operands and a static 'text_length' (dynamic shapes and a text_length operand are not yet supported by this pass)}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length %n
      : (tensor<1x1x20x4xf32>, tensor<1x1x20x4xf32>, tensor<1x1x20x4xf32>, i64) -> tensor<1x1x20x4xf32>
  return %o : tensor<1x1x20x4xf32>
}
