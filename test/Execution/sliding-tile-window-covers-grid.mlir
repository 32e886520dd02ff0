// attn.sliding_tile with windows >= the grid in every dimension (5 >= 2, 7 >= 3, 2 on 2): every
// image query sees every image tile (dense attention over the image).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,48,8
// RUN: %npy rand %t/k.npy --shape 1,2,48,8
// RUN: %npy rand %t/v.npy --shape 1,2,48,8
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o.npy
// RUN: %npy check sliding_tile --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o.npy --attrs '{"tile_grid":[2,3,2],"tile":[2,1,2],"window":[5,7,2]}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x2x48x8xf32>, %k: tensor<1x2x48x8xf32>, %v: tensor<1x2x48x8xf32>) -> tensor<1x2x48x8xf32> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 3, 2] tile [2, 1, 2] window [5, 7, 2]
      : (tensor<1x2x48x8xf32>, tensor<1x2x48x8xf32>, tensor<1x2x48x8xf32>) -> tensor<1x2x48x8xf32>
  return %o : tensor<1x2x48x8xf32>
}
