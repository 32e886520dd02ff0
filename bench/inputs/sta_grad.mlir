// The backward of HunyuanVideo 720p STA on tiled inputs (the tiles of
// examples/hunyuan_sta_720p.mlir: tile grid 5x6x10 of 6x8x8 = 384 tokens,
// then 256 text tokens, window 3x3x3, H24 D128 bf16), for
// bench/gpu_grad_bench.py: attn-optimize plans it into block_sparse_grad on
// static tables (384-token tiles, text rows and columns included).
func.func @main(%q: tensor<1x24x115456x128xbf16>, %k: tensor<1x24x115456x128xbf16>, %v: tensor<1x24x115456x128xbf16>,
                %do: tensor<1x24x115456x128xbf16>)
    -> (tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>) {
  %dq, %dk, %dv = attn.sliding_tile_grad %q, %k, %v, %do tile_grid [5, 6, 10] tile [6, 8, 8]
      window [3, 3, 3] text_length 256
      : (tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>)
      -> (tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>)
  return %dq, %dk, %dv : tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>
}
