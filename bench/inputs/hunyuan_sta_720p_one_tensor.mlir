// HunyuanVideo 720p STA as python/attn_mlir builds it (ir.sta_module): q, k, v and the
// output one [1,24,115456,128] tensor each, image (raster) then 256 text tokens;
// text_length 256. bench/gpu_dynamic_bench.py times its default plan (gathers
// into tiled copies) against attn-compile --fold-slabs (slab maps).
func.func @main(%q: tensor<1x24x115456x128xbf16>, %k: tensor<1x24x115456x128xbf16>, %v: tensor<1x24x115456x128xbf16>) -> (tensor<1x24x115456x128xbf16>) {
  %q_i = tensor.extract_slice %q[0, 0, 0, 0] [1, 24, 115200, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x115200x128xbf16>
  %q_t = tensor.extract_slice %q[0, 0, 115200, 0] [1, 24, 256, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x256x128xbf16>
  %q_l = attn.tile %q_i grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  %qc = tensor.concat dim(2) %q_l, %q_t : (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) -> tensor<1x24x115456x128xbf16>
  %k_i = tensor.extract_slice %k[0, 0, 0, 0] [1, 24, 115200, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x115200x128xbf16>
  %k_t = tensor.extract_slice %k[0, 0, 115200, 0] [1, 24, 256, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x256x128xbf16>
  %k_l = attn.tile %k_i grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  %kc = tensor.concat dim(2) %k_l, %k_t : (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) -> tensor<1x24x115456x128xbf16>
  %v_i = tensor.extract_slice %v[0, 0, 0, 0] [1, 24, 115200, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x115200x128xbf16>
  %v_t = tensor.extract_slice %v[0, 0, 115200, 0] [1, 24, 256, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x256x128xbf16>
  %v_l = attn.tile %v_i grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  %vc = tensor.concat dim(2) %v_l, %v_t : (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) -> tensor<1x24x115456x128xbf16>
  %o = attn.sliding_tile %qc, %kc, %vc tile_grid [5, 6, 10] tile [6, 8, 8] window [3, 3, 3] text_length 256
      : (tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>) -> (tensor<1x24x115456x128xbf16>)
  %o_i = tensor.extract_slice %o[0, 0, 0, 0] [1, 24, 115200, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x115200x128xbf16>
  %o_t = tensor.extract_slice %o[0, 0, 115200, 0] [1, 24, 256, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x256x128xbf16>
  %o_l = attn.untile %o_i grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  %or = tensor.concat dim(2) %o_l, %o_t : (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) -> tensor<1x24x115456x128xbf16>
  return %or : tensor<1x24x115456x128xbf16>
}
