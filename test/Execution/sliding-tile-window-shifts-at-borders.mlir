// attn.sliding_tile, window 3 on dims of 4 tiles (tile_grid (4,4,1)): border queries' windows
// shift to stay inside the grid (query tile 0 sees tiles 0..2, tile 3 sees 1..3); image only.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,64,8
// RUN: %npy rand %t/k.npy --shape 1,2,64,8
// RUN: %npy rand %t/v.npy --shape 1,2,64,8
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o.npy
// RUN: %npy check sliding_tile --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o.npy --attrs '{"tile_grid":[4,4,1],"tile":[1,2,2],"window":[3,3,1]}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x2x64x8xf32>, %k: tensor<1x2x64x8xf32>, %v: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [4, 4, 1] tile [1, 2, 2] window [3, 3, 1]
      : (tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
