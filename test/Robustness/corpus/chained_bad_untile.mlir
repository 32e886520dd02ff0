func.func @f(%x: tensor<1x1x64x8xf32>) {
  %t = attn.untile %x grid [1, 8, 8] tile [4, 4, 4] : tensor<1x1x64x8xf32>
  %u = attn.untile %t grid [1, 8, 8] tile [4, 4, 4] : tensor<1x1x64x8xf32>
  return
}
