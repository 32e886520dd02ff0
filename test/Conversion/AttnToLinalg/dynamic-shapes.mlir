// RUN: attn-opt %s --convert-attn-to-linalg -verify-diagnostics

// The lowering builds static tables and buffers: dynamic shapes are reported,
// not lowered wrongly.
func.func @dynamic_seq(%q: tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32> {
  // expected-error @+2 {{lowering 'attn.sdpa' needs statically shaped tensors}}
  // expected-error @+1 {{failed to legalize operation 'attn.sdpa' that was explicitly marked illegal}}
  %o = attn.sdpa %q, %q, %q : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32>
  return %o : tensor<1x1x?x8xf32>
}
