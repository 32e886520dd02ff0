func.func @main(%q: tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32> {
  %o = attn.sdpa %q, %q, %q : (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32>
  return %o : tensor<1x1x64x64xf32>
}
