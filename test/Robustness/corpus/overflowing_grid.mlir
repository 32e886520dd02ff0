func.func @f(%x: tensor<1x1x64x8xf32>) {
  %t = attn.tile %x grid [1048576, 1048576, 1048576] tile [1, 1, 1] : tensor<1x1x64x8xf32>
  return
}
