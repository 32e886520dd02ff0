// attn.sliding_tile with per-head windows (4 heads: [1,1,1], [1,3,3], [1,2,4], [1,4,1]) on
// tile_grid (1,4,4), with 5 text tokens: each head uses its own window.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,4,69,8
// RUN: %npy rand %t/k.npy --shape 1,4,69,8
// RUN: %npy rand %t/v.npy --shape 1,4,69,8
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o.npy
// RUN: %npy check sliding_tile --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o.npy --attrs '{"tile_grid":[1,4,4],"tile":[1,2,2],"windows":[1,1,1,1,3,3,1,2,4,1,4,1],"text_length":5}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x4x69x8xf32>, %k: tensor<1x4x69x8xf32>, %v: tensor<1x4x69x8xf32>) -> tensor<1x4x69x8xf32> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [1, 4, 4] tile [1, 2, 2] windows [1, 1, 1, 1, 3, 3, 1, 2, 4, 1, 4, 1] text_length 5
      : (tensor<1x4x69x8xf32>, tensor<1x4x69x8xf32>, tensor<1x4x69x8xf32>) -> tensor<1x4x69x8xf32>
  return %o : tensor<1x4x69x8xf32>
}
