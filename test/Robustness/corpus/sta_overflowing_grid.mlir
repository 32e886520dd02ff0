func.func @f(%q: tensor<1x1x16x8xf32>) {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1048576, 1048576, 1048576] tile [4096, 4096, 4096] window [1, 1, 1] : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return
}
