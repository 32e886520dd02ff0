func.func @main(%x: tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32> {
  %e = math.exp %x : tensor<1x1x64x64xf32>
  return %e : tensor<1x1x64x64xf32>
}
