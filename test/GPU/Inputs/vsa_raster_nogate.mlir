// VSA without a gate on the GPU path, folded on sm_90a like vsa_raster.mlir
// (combine = coarse + fine in raster order): a 5x9x16 token grid in
// 4x4x4 tiles (2x3x4 = 24 tiles, partial along t and h), 3 heads of
// dim 64, bf16, topk 5. Checked by scripts/gpu/check_models.py.
func.func @main(%q: tensor<1x3x720x64xbf16>, %k: tensor<1x3x720x64xbf16>, %v: tensor<1x3x720x64xbf16>) -> tensor<1x3x720x64xbf16> {
  %qt = attn.tile %q grid [5, 9, 16] tile [4, 4, 4] : tensor<1x3x720x64xbf16>
  %kt = attn.tile %k grid [5, 9, 16] tile [4, 4, 4] : tensor<1x3x720x64xbf16>
  %vt = attn.tile %v grid [5, 9, 16] tile [4, 4, 4] : tensor<1x3x720x64xbf16>
  %vbs = arith.constant dense<[64, 64, 64, 64, 64, 64, 64, 64, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 4, 4, 4, 4]> : tensor<24xi32>
  %o = attn.vsa %qt, %kt, %vt q_block_sizes %vbs kv_block_sizes %vbs
      block 64 topk 5
      : (tensor<1x3x1536x64xbf16>, tensor<1x3x1536x64xbf16>, tensor<1x3x1536x64xbf16>, tensor<24xi32>, tensor<24xi32>) -> tensor<1x3x1536x64xbf16>
  %out = attn.untile %o grid [5, 9, 16] tile [4, 4, 4] : tensor<1x3x1536x64xbf16>
  return %out : tensor<1x3x720x64xbf16>
}
