// A HunyuanVideo-style STA attention module at a small shape that runs on CPU
// in seconds. Image tokens arrive in raster order over a 4x6x8 latent grid
// and are tiled into 2x3x4 tiles of 2x2x2 tokens (P = 8); 16 text tokens, of
// which the first 12 are valid, are appended after the tiled image tokens
// (as FastVideo's DistributedAttention does); window 3x3x3 tiles; 2 heads of
// dim 32. The image part of the output is untiled back to raster order.
func.func @main(%qi: tensor<1x2x192x32xf32>, %ki: tensor<1x2x192x32xf32>,
                %vi: tensor<1x2x192x32xf32>, %qt: tensor<1x2x16x32xf32>,
                %kt: tensor<1x2x16x32xf32>, %vt: tensor<1x2x16x32xf32>)
    -> (tensor<1x2x192x32xf32>, tensor<1x2x16x32xf32>) {
  %qa = attn.tile %qi grid [4, 6, 8] tile [2, 2, 2] : tensor<1x2x192x32xf32>
  %ka = attn.tile %ki grid [4, 6, 8] tile [2, 2, 2] : tensor<1x2x192x32xf32>
  %va = attn.tile %vi grid [4, 6, 8] tile [2, 2, 2] : tensor<1x2x192x32xf32>
  %q = tensor.concat dim(2) %qa, %qt : (tensor<1x2x192x32xf32>, tensor<1x2x16x32xf32>) -> tensor<1x2x208x32xf32>
  %k = tensor.concat dim(2) %ka, %kt : (tensor<1x2x192x32xf32>, tensor<1x2x16x32xf32>) -> tensor<1x2x208x32xf32>
  %v = tensor.concat dim(2) %va, %vt : (tensor<1x2x192x32xf32>, tensor<1x2x16x32xf32>) -> tensor<1x2x208x32xf32>
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 3, 4] tile [2, 2, 2]
      window [3, 3, 3] text_length 12
      : (tensor<1x2x208x32xf32>, tensor<1x2x208x32xf32>, tensor<1x2x208x32xf32>) -> tensor<1x2x208x32xf32>
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 2, 192, 32] [1, 1, 1, 1] : tensor<1x2x208x32xf32> to tensor<1x2x192x32xf32>
  %ot = tensor.extract_slice %o[0, 0, 192, 0] [1, 2, 16, 32] [1, 1, 1, 1] : tensor<1x2x208x32xf32> to tensor<1x2x16x32xf32>
  %out = attn.untile %oi grid [4, 6, 8] tile [2, 2, 2] : tensor<1x2x192x32xf32>
  return %out, %ot : tensor<1x2x192x32xf32>, tensor<1x2x16x32xf32>
}
