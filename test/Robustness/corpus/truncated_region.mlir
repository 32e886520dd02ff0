func.func @f(%x: tensor<1x2x15x8xf32>) {
  %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x15x8xf32>
