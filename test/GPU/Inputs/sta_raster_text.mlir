// STA with text on the GPU path, the shape the sm_90a planner folds into the
// raster-tile kernel (docs/GPU.md): 12x16x24 latent tokens in 6x8x8 tiles
// (2x2x3 tiles of 384), 500 text tokens of which the first 450 are valid
// keys (two text tiles, the second partial), window 1x3x3, 3 heads of dim
// 128, bf16. Checked by scripts/gpu/check_models.py.
func.func @main(%qi: tensor<1x3x4608x128xbf16>, %ki: tensor<1x3x4608x128xbf16>, %vi: tensor<1x3x4608x128xbf16>, %qt: tensor<1x3x500x128xbf16>, %kt: tensor<1x3x500x128xbf16>, %vt: tensor<1x3x500x128xbf16>)
    -> (tensor<1x3x4608x128xbf16>, tensor<1x3x500x128xbf16>) {
  %qa = attn.tile %qi grid [12, 16, 24] tile [6, 8, 8] : tensor<1x3x4608x128xbf16>
  %ka = attn.tile %ki grid [12, 16, 24] tile [6, 8, 8] : tensor<1x3x4608x128xbf16>
  %va = attn.tile %vi grid [12, 16, 24] tile [6, 8, 8] : tensor<1x3x4608x128xbf16>
  %q = tensor.concat dim(2) %qa, %qt : (tensor<1x3x4608x128xbf16>, tensor<1x3x500x128xbf16>) -> tensor<1x3x5108x128xbf16>
  %k = tensor.concat dim(2) %ka, %kt : (tensor<1x3x4608x128xbf16>, tensor<1x3x500x128xbf16>) -> tensor<1x3x5108x128xbf16>
  %v = tensor.concat dim(2) %va, %vt : (tensor<1x3x4608x128xbf16>, tensor<1x3x500x128xbf16>) -> tensor<1x3x5108x128xbf16>
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 3] tile [6, 8, 8]
      window [1, 3, 3] text_length 450 : (tensor<1x3x5108x128xbf16>, tensor<1x3x5108x128xbf16>, tensor<1x3x5108x128xbf16>) -> tensor<1x3x5108x128xbf16>
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 3, 4608, 128] [1, 1, 1, 1] : tensor<1x3x5108x128xbf16> to tensor<1x3x4608x128xbf16>
  %ot = tensor.extract_slice %o[0, 0, 4608, 0] [1, 3, 500, 128] [1, 1, 1, 1] : tensor<1x3x5108x128xbf16> to tensor<1x3x500x128xbf16>
  %out = attn.untile %oi grid [12, 16, 24] tile [6, 8, 8] : tensor<1x3x4608x128xbf16>
  return %out, %ot : tensor<1x3x4608x128xbf16>, tensor<1x3x500x128xbf16>
}
