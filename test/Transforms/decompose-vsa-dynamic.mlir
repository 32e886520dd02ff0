// RUN: attn-opt %s --attn-decompose-vsa -split-input-file -verify-diagnostics

func.func @dynamic_heads(%q: tensor<1x?x128x16xf32>) -> tensor<1x?x128x16xf32> {
  // expected-error @+1 {{attn-decompose-vsa needs statically shaped operands}}
  %o = attn.vsa %q, %q, %q block 64 topk 1
      : (tensor<1x?x128x16xf32>, tensor<1x?x128x16xf32>, tensor<1x?x128x16xf32>) -> tensor<1x?x128x16xf32>
  return %o : tensor<1x?x128x16xf32>
}

// -----

// A run-time topk: the decomposition needs the attribute for now.
func.func @topk_operand(%q: tensor<1x1x128x16xf32>, %k: index) -> tensor<1x1x128x16xf32> {
  // expected-error @+1 {{attn-decompose-vsa needs statically shaped operands and a static 'topk' (dynamic shapes and a topk operand are not yet supported by this pass)}}
  %o = attn.vsa %q, %q, %q block 64 topk %k
      : (tensor<1x1x128x16xf32>, tensor<1x1x128x16xf32>, tensor<1x1x128x16xf32>, index) -> tensor<1x1x128x16xf32>
  return %o : tensor<1x1x128x16xf32>
}
