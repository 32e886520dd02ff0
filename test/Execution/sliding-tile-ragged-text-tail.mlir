// attn.sliding_tile with a ragged text tail: S_text = 13 (not a multiple of P = 8, so the
// plan pads it) of which text_length = 11 are valid keys, tile_grid (2,2,3).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,109,8
// RUN: %npy rand %t/k.npy --shape 1,2,109,8
// RUN: %npy rand %t/v.npy --shape 1,2,109,8
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o.npy
// RUN: %npy check sliding_tile --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o.npy --attrs '{"tile_grid":[2,2,3],"tile":[1,2,4],"window":[1,1,3],"text_length":11}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x2x109x8xf32>, %k: tensor<1x2x109x8xf32>, %v: tensor<1x2x109x8xf32>) -> tensor<1x2x109x8xf32> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 3] tile [1, 2, 4] window [1, 1, 3] text_length 11
      : (tensor<1x2x109x8xf32>, tensor<1x2x109x8xf32>, tensor<1x2x109x8xf32>) -> tensor<1x2x109x8xf32>
  return %o : tensor<1x2x109x8xf32>
}
