// A host loop whose yield is a parallel assignment: the carried values swap
// and one of them takes the attention output (the "keep the previous value"
// pattern of denoising loops); compared on the GPU against the CPU path.
func.func @main(%x: tensor<1x1x64x64xf32>, %y: tensor<1x1x64x64xf32>) -> (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r:2 = scf.for %i = %c0 to %c3 step %c1 iter_args(%a = %x, %b = %y) -> (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>) {
    %o = attn.sdpa %a, %b, %b : (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32>
    scf.yield %o, %a : tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>
  }
  return %r#0, %r#1 : tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>
}
