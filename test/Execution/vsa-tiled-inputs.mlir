// attn.vsa directly on tiled tokens (random data in every slot, pad slots included) vs the
// reference: with gate and block sizes (vbs of grid (2,6,10)/(4,4,4)), and with neither
// (full blocks; out = Oc + Os).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,384,16
// RUN: %npy rand %t/k.npy --shape 1,2,384,16
// RUN: %npy rand %t/v.npy --shape 1,2,384,16
// RUN: %npy rand %t/g.npy --shape 1,2,384,16
// RUN: %python -c "import numpy as np; np.save('%t/vbs.npy', np.array([32, 32, 16, 16, 16, 8], np.int32))"
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/g.npy --input %t/vbs.npy --output %t/o.npy
// RUN: %npy check vsa --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/g.npy,%t/vbs.npy,%t/vbs.npy --outputs %t/o.npy --attrs '{"block":64,"topk":3}' | FileCheck %s
// RUN: attn-run %s --entry plain --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o2.npy
// RUN: %npy check vsa --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o2.npy --attrs '{"block":64,"topk":2}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x2x384x16xf32>, %k: tensor<1x2x384x16xf32>, %v: tensor<1x2x384x16xf32>,
                %g: tensor<1x2x384x16xf32>, %vbs: tensor<6xi32>) -> tensor<1x2x384x16xf32> {
  %o = attn.vsa %q, %k, %v gate %g q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 3
      : (tensor<1x2x384x16xf32>, tensor<1x2x384x16xf32>, tensor<1x2x384x16xf32>,
         tensor<1x2x384x16xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x2x384x16xf32>
  return %o : tensor<1x2x384x16xf32>
}
func.func @plain(%q: tensor<1x2x384x16xf32>, %k: tensor<1x2x384x16xf32>, %v: tensor<1x2x384x16xf32>) -> tensor<1x2x384x16xf32> {
  %o = attn.vsa %q, %k, %v block 64 topk 2
      : (tensor<1x2x384x16xf32>, tensor<1x2x384x16xf32>, tensor<1x2x384x16xf32>) -> tensor<1x2x384x16xf32>
  return %o : tensor<1x2x384x16xf32>
}
