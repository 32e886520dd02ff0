// attn.sliding_tile with text_length 8 = S_text (a multiple of P = 4): image queries see their
// window plus all text; text queries see every image token and all text.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,80,8
// RUN: %npy rand %t/k.npy --shape 1,2,80,8
// RUN: %npy rand %t/v.npy --shape 1,2,80,8
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o.npy
// RUN: %npy check sliding_tile --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o.npy --attrs '{"tile_grid":[2,3,3],"tile":[1,2,2],"window":[1,3,3],"text_length":8}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x2x80x8xf32>, %k: tensor<1x2x80x8xf32>, %v: tensor<1x2x80x8xf32>) -> tensor<1x2x80x8xf32> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 3, 3] tile [1, 2, 2] window [1, 3, 3] text_length 8
      : (tensor<1x2x80x8xf32>, tensor<1x2x80x8xf32>, tensor<1x2x80x8xf32>) -> tensor<1x2x80x8xf32>
  return %o : tensor<1x2x80x8xf32>
}
