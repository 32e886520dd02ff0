// Not valid: attn.tile's grid does not match the sequence length.
func.func @main(%x: tensor<1x2x100x32xf32>) -> tensor<1x2x384x32xf32> {
  %t = attn.tile %x grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x100x32xf32>
  return %t : tensor<1x2x384x32xf32>
}
