// attn.sliding_tile with even windows (k = 2 covers 3 tiles, k = 4 covers 5, shifted at the
// borders; k_t = 2 on 2 tiles covers the dimension), tile_grid (2,5,6).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,120,8
// RUN: %npy rand %t/k.npy --shape 1,2,120,8
// RUN: %npy rand %t/v.npy --shape 1,2,120,8
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o.npy
// RUN: %npy check sliding_tile --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o.npy --attrs '{"tile_grid":[2,5,6],"tile":[1,1,2],"window":[2,2,4]}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x2x120x8xf32>, %k: tensor<1x2x120x8xf32>, %v: tensor<1x2x120x8xf32>) -> tensor<1x2x120x8xf32> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 5, 6] tile [1, 1, 2] window [2, 2, 4]
      : (tensor<1x2x120x8xf32>, tensor<1x2x120x8xf32>, tensor<1x2x120x8xf32>) -> tensor<1x2x120x8xf32>
  return %o : tensor<1x2x120x8xf32>
}
