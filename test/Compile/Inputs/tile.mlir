func.func @main(%x: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
  %t = attn.tile %x grid [1, 8, 8] tile [1, 8, 8] : tensor<1x1x64x64xbf16>
  return %t : tensor<1x1x64x64xbf16>
}
