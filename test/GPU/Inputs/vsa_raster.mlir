// VSA on the GPU path in the shape the sm_90a planner folds (docs/GPU.md):
// a 6x10x14 token grid in 4x4x4 tiles (2x3x4 = 24 tiles, every
// dimension partial), 2 heads of dim 128, bf16, topk 6, with a gate: the
// block means read the raster tensors through row tables, the fine stage
// is the raster-tile kernel, the gated combine runs in raster order.
// Checked by scripts/gpu/check_models.py.
func.func @main(%q: tensor<1x2x840x128xbf16>, %k: tensor<1x2x840x128xbf16>, %v: tensor<1x2x840x128xbf16>, %gate: tensor<1x2x840x128xbf16>) -> tensor<1x2x840x128xbf16> {
  %qt = attn.tile %q grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x840x128xbf16>
  %kt = attn.tile %k grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x840x128xbf16>
  %vt = attn.tile %v grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x840x128xbf16>
  %gt = attn.tile %gate grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x840x128xbf16>
  %vbs = arith.constant dense<[64, 64, 64, 32, 64, 64, 64, 32, 32, 32, 32, 16, 32, 32, 32, 16, 32, 32, 32, 16, 16, 16, 16, 8]> : tensor<24xi32>
  %o = attn.vsa %qt, %kt, %vt gate %gt q_block_sizes %vbs kv_block_sizes %vbs
      block 64 topk 6
      : (tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<24xi32>, tensor<24xi32>) -> tensor<1x2x1536x128xbf16>
  %out = attn.untile %o grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x1536x128xbf16>
  return %out : tensor<1x2x840x128xbf16>
}
