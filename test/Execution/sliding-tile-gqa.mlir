// attn.sliding_tile with grouped-query heads (Hq = 6, Hkv = 2), window (1,3,1) on tile_grid
// (2,4,2) and 3 of 4 text tokens valid.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,6,68,8
// RUN: %npy rand %t/k.npy --shape 1,2,68,8
// RUN: %npy rand %t/v.npy --shape 1,2,68,8
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o.npy
// RUN: %npy check sliding_tile --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o.npy --attrs '{"tile_grid":[2,4,2],"tile":[1,2,2],"window":[1,3,1],"text_length":3}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x6x68x8xf32>, %k: tensor<1x2x68x8xf32>, %v: tensor<1x2x68x8xf32>) -> tensor<1x6x68x8xf32> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 4, 2] tile [1, 2, 2] window [1, 3, 1] text_length 3
      : (tensor<1x6x68x8xf32>, tensor<1x2x68x8xf32>, tensor<1x2x68x8xf32>) -> tensor<1x6x68x8xf32>
  return %o : tensor<1x6x68x8xf32>
}
