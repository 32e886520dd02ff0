// Identity: attn.sliding_tile with a window >= the grid and text_length = S_text (every key valid,
// ragged text tail of 7 with P = 4) equals attn.sdpa on the same sequence. Both run in one @main;
// compared within 1e-4.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 2,2,55,8
// RUN: %npy rand %t/k.npy --shape 2,2,55,8
// RUN: %npy rand %t/v.npy --shape 2,2,55,8
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/sta.npy --output %t/sdpa.npy
// RUN: %python %S/Inputs/close.py %t/sta.npy %t/sdpa.npy --tol 1e-4 | FileCheck %s
// RUN: %npy check sdpa --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/sdpa.npy | FileCheck %s --check-prefix=REF
// CHECK: CLOSE
// REF: OK out
func.func @main(%q: tensor<2x2x55x8xf32>, %k: tensor<2x2x55x8xf32>, %v: tensor<2x2x55x8xf32>)
    -> (tensor<2x2x55x8xf32>, tensor<2x2x55x8xf32>) {
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 3, 2] tile [1, 2, 2] window [3, 5, 4] text_length 7
      : (tensor<2x2x55x8xf32>, tensor<2x2x55x8xf32>, tensor<2x2x55x8xf32>) -> tensor<2x2x55x8xf32>
  %os = attn.sdpa %q, %k, %v : (tensor<2x2x55x8xf32>, tensor<2x2x55x8xf32>, tensor<2x2x55x8xf32>) -> tensor<2x2x55x8xf32>
  return %o, %os : tensor<2x2x55x8xf32>, tensor<2x2x55x8xf32>
}
