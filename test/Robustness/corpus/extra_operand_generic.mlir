func.func @f(%x: tensor<1x1x64x8xf32>) {
  %t = "attn.tile"(%x, %x) <{grid = array<i64: 1, 8, 8>, tile = array<i64: 4, 4, 4>}> : (tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32>) -> tensor<1x1x256x8xf32>
  return
}
