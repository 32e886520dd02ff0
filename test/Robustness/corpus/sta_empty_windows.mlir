func.func @f(%q: tensor<1x2x16x8xf32>) {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] windows [] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return
}
