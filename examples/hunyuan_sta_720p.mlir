// HunyuanVideo 720p STA self-attention at its real shape (GPU target): latent
// 30x48x80 = 115200 image tokens in 6x8x8 tiles (tile grid 5x6x10, P = 384),
// then 256 text tokens (all valid); window 3x3x3 tiles; 24 heads of dim 128,
// bf16. Image tokens are tiled on the way in and untiled on the way out.
func.func @main(%qi: tensor<1x24x115200x128xbf16>, %ki: tensor<1x24x115200x128xbf16>, %vi: tensor<1x24x115200x128xbf16>, %qt: tensor<1x24x256x128xbf16>, %kt: tensor<1x24x256x128xbf16>, %vt: tensor<1x24x256x128xbf16>)
    -> (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) {
  %qa = attn.tile %qi grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  %ka = attn.tile %ki grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  %va = attn.tile %vi grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  %q = tensor.concat dim(2) %qa, %qt : (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) -> tensor<1x24x115456x128xbf16>
  %k = tensor.concat dim(2) %ka, %kt : (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) -> tensor<1x24x115456x128xbf16>
  %v = tensor.concat dim(2) %va, %vt : (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) -> tensor<1x24x115456x128xbf16>
  %o = attn.sliding_tile %q, %k, %v tile_grid [5, 6, 10] tile [6, 8, 8]
      window [3, 3, 3] text_length 256 : (tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>) -> tensor<1x24x115456x128xbf16>
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 24, 115200, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x115200x128xbf16>
  %ot = tensor.extract_slice %o[0, 0, 115200, 0] [1, 24, 256, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x256x128xbf16>
  %out = attn.untile %oi grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  return %out, %ot : tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>
}
