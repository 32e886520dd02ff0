// tile -> attn.vsa -> untile with dynamic batch, heads and head_dim on the
// partial-tile grid (2,6,10) in (4,4,4) tiles (the grid fixes the tokens),
// run by attn-run at three shapes, plain and with --optimize (fold-layout,
// hoist-masks on dynamic IR), against the reference pipeline.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q1.npy --shape 1,1,120,8
// RUN: %npy rand %t/k1.npy --shape 1,1,120,8
// RUN: %npy rand %t/v1.npy --shape 1,1,120,8
// RUN: attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --output %t/o1.npy
// RUN: %python %S/Inputs/vsa_pipeline_ref.py --q %t/q1.npy --k %t/k1.npy --v %t/v1.npy --grid 2,6,10 --tile 4,4,4 --topk 2 --out %t/o1.npy | FileCheck %s
// RUN: %npy rand %t/q2.npy --shape 1,4,120,16
// RUN: %npy rand %t/k2.npy --shape 1,2,120,16
// RUN: %npy rand %t/v2.npy --shape 1,2,120,16
// RUN: attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --output %t/o2.npy
// RUN: %python %S/Inputs/vsa_pipeline_ref.py --q %t/q2.npy --k %t/k2.npy --v %t/v2.npy --grid 2,6,10 --tile 4,4,4 --topk 2 --out %t/o2.npy | FileCheck %s
// RUN: %npy rand %t/q3.npy --shape 2,2,120,32
// RUN: %npy rand %t/k3.npy --shape 2,2,120,32
// RUN: %npy rand %t/v3.npy --shape 2,2,120,32
// RUN: attn-run %s --input %t/q3.npy --input %t/k3.npy --input %t/v3.npy --output %t/o3.npy
// RUN: %python %S/Inputs/vsa_pipeline_ref.py --q %t/q3.npy --k %t/k3.npy --v %t/v3.npy --grid 2,6,10 --tile 4,4,4 --topk 2 --out %t/o3.npy | FileCheck %s
// RUN: attn-run %s --optimize --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --output %t/o2opt.npy
// RUN: %python %S/Inputs/vsa_pipeline_ref.py --q %t/q2.npy --k %t/k2.npy --v %t/v2.npy --grid 2,6,10 --tile 4,4,4 --topk 2 --out %t/o2opt.npy | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<?x?x120x?xf32>, %k: tensor<?x?x120x?xf32>,
                %v: tensor<?x?x120x?xf32>) -> tensor<?x?x120x?xf32> {
  %qt = attn.tile %q grid [2, 6, 10] tile [4, 4, 4] : tensor<?x?x120x?xf32>
  %kt = attn.tile %k grid [2, 6, 10] tile [4, 4, 4] : tensor<?x?x120x?xf32>
  %vt = attn.tile %v grid [2, 6, 10] tile [4, 4, 4] : tensor<?x?x120x?xf32>
  %vbs = arith.constant dense<[32, 32, 16, 16, 16, 8]> : tensor<6xi32>
  %o = attn.vsa %qt, %kt, %vt q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 2
      : (tensor<?x?x384x?xf32>, tensor<?x?x384x?xf32>, tensor<?x?x384x?xf32>,
         tensor<6xi32>, tensor<6xi32>) -> tensor<?x?x384x?xf32>
  %out = attn.untile %o grid [2, 6, 10] tile [4, 4, 4] : tensor<?x?x384x?xf32>
  return %out : tensor<?x?x120x?xf32>
}
