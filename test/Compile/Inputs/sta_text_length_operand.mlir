// An STA layer (HunyuanVideo's 6x8x8 tiles, raster image tokens of a
// 12x16x24 grid = 2x2x3 tiles, 200 text tokens after them) whose valid text
// length is a size argument: one artifact for every prompt length.
func.func @main(%qi: tensor<1x2x4608x128xbf16>, %ki: tensor<1x2x4608x128xbf16>,
                %vi: tensor<1x2x4608x128xbf16>, %qt: tensor<1x2x200x128xbf16>,
                %kt: tensor<1x2x200x128xbf16>, %vt: tensor<1x2x200x128xbf16>,
                %n: tensor<i64>)
    -> (tensor<1x2x4608x128xbf16>, tensor<1x2x200x128xbf16>) {
  %len = tensor.extract %n[] : tensor<i64>
  %qa = attn.tile %qi grid [12, 16, 24] tile [6, 8, 8] : tensor<1x2x4608x128xbf16>
  %ka = attn.tile %ki grid [12, 16, 24] tile [6, 8, 8] : tensor<1x2x4608x128xbf16>
  %va = attn.tile %vi grid [12, 16, 24] tile [6, 8, 8] : tensor<1x2x4608x128xbf16>
  %q = tensor.concat dim(2) %qa, %qt : (tensor<1x2x4608x128xbf16>, tensor<1x2x200x128xbf16>) -> tensor<1x2x4808x128xbf16>
  %k = tensor.concat dim(2) %ka, %kt : (tensor<1x2x4608x128xbf16>, tensor<1x2x200x128xbf16>) -> tensor<1x2x4808x128xbf16>
  %v = tensor.concat dim(2) %va, %vt : (tensor<1x2x4608x128xbf16>, tensor<1x2x200x128xbf16>) -> tensor<1x2x4808x128xbf16>
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 3] tile [6, 8, 8]
      window [1, 3, 1] text_length %len
      : (tensor<1x2x4808x128xbf16>, tensor<1x2x4808x128xbf16>, tensor<1x2x4808x128xbf16>, i64) -> tensor<1x2x4808x128xbf16>
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 2, 4608, 128] [1, 1, 1, 1] : tensor<1x2x4808x128xbf16> to tensor<1x2x4608x128xbf16>
  %ot = tensor.extract_slice %o[0, 0, 4608, 0] [1, 2, 200, 128] [1, 1, 1, 1] : tensor<1x2x4808x128xbf16> to tensor<1x2x200x128xbf16>
  %out = attn.untile %oi grid [12, 16, 24] tile [6, 8, 8] : tensor<1x2x4608x128xbf16>
  return %out, %ot : tensor<1x2x4608x128xbf16>, tensor<1x2x200x128xbf16>
}
