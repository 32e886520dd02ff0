// RUN: attn-opt %s --attn-decompose-vsa -verify-diagnostics

func.func @dynamic_heads(%q: tensor<1x?x128x16xf32>) -> tensor<1x?x128x16xf32> {
  // expected-error @+1 {{attn-decompose-vsa needs statically shaped operands}}
  %o = attn.vsa %q, %q, %q block 64 topk 1
      : (tensor<1x?x128x16xf32>, tensor<1x?x128x16xf32>, tensor<1x?x128x16xf32>) -> tensor<1x?x128x16xf32>
  return %o : tensor<1x?x128x16xf32>
}
