// examples/hunyuan_sta_720p.mlir with the valid text length as a size
// argument (one artifact for every prompt length): bench/gpu_dynamic_bench.py
// compares it with the static module.
func.func @main(%qi: tensor<1x24x115200x128xbf16>, %ki: tensor<1x24x115200x128xbf16>, %vi: tensor<1x24x115200x128xbf16>, %qt: tensor<1x24x256x128xbf16>, %kt: tensor<1x24x256x128xbf16>, %vt: tensor<1x24x256x128xbf16>, %n: tensor<i64>)
    -> (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) {
  %qa = attn.tile %qi grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  %ka = attn.tile %ki grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  %va = attn.tile %vi grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  %q = tensor.concat dim(2) %qa, %qt : (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) -> tensor<1x24x115456x128xbf16>
  %k = tensor.concat dim(2) %ka, %kt : (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) -> tensor<1x24x115456x128xbf16>
  %v = tensor.concat dim(2) %va, %vt : (tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>) -> tensor<1x24x115456x128xbf16>
  %len = tensor.extract %n[] : tensor<i64>
  %o = attn.sliding_tile %q, %k, %v tile_grid [5, 6, 10] tile [6, 8, 8]
      window [3, 3, 3] text_length %len : (tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>, i64) -> tensor<1x24x115456x128xbf16>
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 24, 115200, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x115200x128xbf16>
  %ot = tensor.extract_slice %o[0, 0, 115200, 0] [1, 24, 256, 128] [1, 1, 1, 1] : tensor<1x24x115456x128xbf16> to tensor<1x24x256x128xbf16>
  %out = attn.untile %oi grid [30, 48, 80] tile [6, 8, 8] : tensor<1x24x115200x128xbf16>
  return %out, %ot : tensor<1x24x115200x128xbf16>, tensor<1x24x256x128xbf16>
}
