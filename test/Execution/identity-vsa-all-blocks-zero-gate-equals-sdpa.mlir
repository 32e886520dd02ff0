// Identity: with topk = Nkv (every kv tile selected) and a zero gate, tile -> attn.vsa -> untile
// equals attn.sdpa on the raster tokens (the pad slots excluded by kv_block_sizes), grid (2,6,10)
// in (4,4,4) tiles, GQA 4:2. Both run in one @main; compared within 1e-4.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,4,120,16
// RUN: %npy rand %t/k.npy --shape 1,2,120,16
// RUN: %npy rand %t/v.npy --shape 1,2,120,16
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/vsa.npy --output %t/sdpa.npy
// RUN: %python %S/Inputs/close.py %t/vsa.npy %t/sdpa.npy --tol 1e-4 | FileCheck %s
// RUN: %npy check sdpa --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/sdpa.npy | FileCheck %s --check-prefix=REF
// CHECK: CLOSE
// REF: OK out
func.func @main(%q: tensor<1x4x120x16xf32>, %k: tensor<1x2x120x16xf32>, %v: tensor<1x2x120x16xf32>)
    -> (tensor<1x4x120x16xf32>, tensor<1x4x120x16xf32>) {
  %qt = attn.tile %q grid [2, 6, 10] tile [4, 4, 4] : tensor<1x4x120x16xf32>
  %kt = attn.tile %k grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x16xf32>
  %vt = attn.tile %v grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x16xf32>
  %gate = arith.constant dense<0.0> : tensor<1x4x384x16xf32>
  %vbs = arith.constant dense<[32, 32, 16, 16, 16, 8]> : tensor<6xi32>
  %o = attn.vsa %qt, %kt, %vt gate %gate q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 6
      : (tensor<1x4x384x16xf32>, tensor<1x2x384x16xf32>, tensor<1x2x384x16xf32>,
         tensor<1x4x384x16xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x4x384x16xf32>
  %ov = attn.untile %o grid [2, 6, 10] tile [4, 4, 4] : tensor<1x4x384x16xf32>
  %os = attn.sdpa %q, %k, %v : (tensor<1x4x120x16xf32>, tensor<1x2x120x16xf32>, tensor<1x2x120x16xf32>) -> tensor<1x4x120x16xf32>
  return %ov, %os : tensor<1x4x120x16xf32>, tensor<1x4x120x16xf32>
}
