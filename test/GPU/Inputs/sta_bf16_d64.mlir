// Sliding tile attention, bf16, D 64: 2x2x2 tiles of 6x8x8, window 1x1x1, 384 text tokens of which 200 are valid.
func.func @main(%q: tensor<1x2x3456x64xbf16>, %k: tensor<1x2x3456x64xbf16>, %v: tensor<1x2x3456x64xbf16>) -> tensor<1x2x3456x64xbf16> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 2] tile [6, 8, 8] window [1, 1, 1] text_length 200
      : (tensor<1x2x3456x64xbf16>, tensor<1x2x3456x64xbf16>, tensor<1x2x3456x64xbf16>) -> tensor<1x2x3456x64xbf16>
  return %o : tensor<1x2x3456x64xbf16>
}
