// sliding_tile_attn's module (python/attn_mlir/ir.py sta_module): q, k, v
// each one [B, H, T*H*W + S_text, D] tensor, the raster image tokens first,
// the text after them; the output the same.
func.func @main(%q: tensor<1x2x896x64xbf16>, %k: tensor<1x2x896x64xbf16>, %v: tensor<1x2x896x64xbf16>) -> (tensor<1x2x896x64xbf16>) {
  %q_i = tensor.extract_slice %q[0, 0, 0, 0] [1, 2, 768, 64] [1, 1, 1, 1] : tensor<1x2x896x64xbf16> to tensor<1x2x768x64xbf16>
  %q_t = tensor.extract_slice %q[0, 0, 768, 0] [1, 2, 128, 64] [1, 1, 1, 1] : tensor<1x2x896x64xbf16> to tensor<1x2x128x64xbf16>
  %q_l = attn.tile %q_i grid [6, 8, 16] tile [6, 8, 8] : tensor<1x2x768x64xbf16>
  %qc = tensor.concat dim(2) %q_l, %q_t : (tensor<1x2x768x64xbf16>, tensor<1x2x128x64xbf16>) -> tensor<1x2x896x64xbf16>
  %k_i = tensor.extract_slice %k[0, 0, 0, 0] [1, 2, 768, 64] [1, 1, 1, 1] : tensor<1x2x896x64xbf16> to tensor<1x2x768x64xbf16>
  %k_t = tensor.extract_slice %k[0, 0, 768, 0] [1, 2, 128, 64] [1, 1, 1, 1] : tensor<1x2x896x64xbf16> to tensor<1x2x128x64xbf16>
  %k_l = attn.tile %k_i grid [6, 8, 16] tile [6, 8, 8] : tensor<1x2x768x64xbf16>
  %kc = tensor.concat dim(2) %k_l, %k_t : (tensor<1x2x768x64xbf16>, tensor<1x2x128x64xbf16>) -> tensor<1x2x896x64xbf16>
  %v_i = tensor.extract_slice %v[0, 0, 0, 0] [1, 2, 768, 64] [1, 1, 1, 1] : tensor<1x2x896x64xbf16> to tensor<1x2x768x64xbf16>
  %v_t = tensor.extract_slice %v[0, 0, 768, 0] [1, 2, 128, 64] [1, 1, 1, 1] : tensor<1x2x896x64xbf16> to tensor<1x2x128x64xbf16>
  %v_l = attn.tile %v_i grid [6, 8, 16] tile [6, 8, 8] : tensor<1x2x768x64xbf16>
  %vc = tensor.concat dim(2) %v_l, %v_t : (tensor<1x2x768x64xbf16>, tensor<1x2x128x64xbf16>) -> tensor<1x2x896x64xbf16>
  %o = attn.sliding_tile %qc, %kc, %vc tile_grid [1, 1, 2] tile [6, 8, 8] window [1, 1, 1] text_length 100
      : (tensor<1x2x896x64xbf16>, tensor<1x2x896x64xbf16>, tensor<1x2x896x64xbf16>) -> (tensor<1x2x896x64xbf16>)
  %o_i = tensor.extract_slice %o[0, 0, 0, 0] [1, 2, 768, 64] [1, 1, 1, 1] : tensor<1x2x896x64xbf16> to tensor<1x2x768x64xbf16>
  %o_t = tensor.extract_slice %o[0, 0, 768, 0] [1, 2, 128, 64] [1, 1, 1, 1] : tensor<1x2x896x64xbf16> to tensor<1x2x128x64xbf16>
  %o_l = attn.untile %o_i grid [6, 8, 16] tile [6, 8, 8] : tensor<1x2x768x64xbf16>
  %or = tensor.concat dim(2) %o_l, %o_t : (tensor<1x2x768x64xbf16>, tensor<1x2x128x64xbf16>) -> tensor<1x2x896x64xbf16>
  return %or : tensor<1x2x896x64xbf16>
}

