func.func @f(%x: tensor<1x1x64x8xf32>) {
  %t = "attn.tile"(%x) : (tensor<1x1x64x8xf32>) -> tensor<1x1x64x8xf32>
  return
}
