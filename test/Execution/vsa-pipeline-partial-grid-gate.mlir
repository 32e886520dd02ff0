// tile -> attn.vsa (gate, q/kv block sizes = vbs) -> untile on the partial-tile grid (2,6,10) in
// (4,4,4) tiles (vbs [32,32,16,16,16,8]), topk 3, vs the reference pipeline tile/vsa/untile.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,120,16
// RUN: %npy rand %t/k.npy --shape 1,2,120,16
// RUN: %npy rand %t/v.npy --shape 1,2,120,16
// RUN: %npy rand %t/g.npy --shape 1,2,120,16
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/g.npy --output %t/o.npy
// RUN: %python %S/Inputs/vsa_pipeline_ref.py --q %t/q.npy --k %t/k.npy --v %t/v.npy --gate %t/g.npy --grid 2,6,10 --tile 4,4,4 --topk 3 --out %t/o.npy | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x2x120x16xf32>, %k: tensor<1x2x120x16xf32>,
                %v: tensor<1x2x120x16xf32>, %gate: tensor<1x2x120x16xf32>) -> tensor<1x2x120x16xf32> {
  %qt = attn.tile %q grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x16xf32>
  %kt = attn.tile %k grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x16xf32>
  %vt = attn.tile %v grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x16xf32>
  %gt = attn.tile %gate grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x16xf32>
  %vbs = arith.constant dense<[32, 32, 16, 16, 16, 8]> : tensor<6xi32>
  %o = attn.vsa %qt, %kt, %vt gate %gt q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 3
      : (tensor<1x2x384x16xf32>, tensor<1x2x384x16xf32>, tensor<1x2x384x16xf32>,
         tensor<1x2x384x16xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x2x384x16xf32>
  %out = attn.untile %o grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x384x16xf32>
  return %out : tensor<1x2x120x16xf32>
}
