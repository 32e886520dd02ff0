// attn.block_sparse with grouped-query heads (Hq = 6, Hkv = 2: query head h reads kv head h/3),
// per-query-head indices, partial kv blocks and an explicit scale, against the reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 2,6,16,8
// RUN: %npy rand %t/k.npy --shape 2,2,40,8
// RUN: %npy rand %t/v.npy --shape 2,2,40,8
// RUN: %npy rand %t/vbs.npy --shape 5 --dtype i4 --low 1 --high 9
// RUN: %python %S/Inputs/block_indices.py %t/idx.npy %t/cnt.npy --shape 2,6,2,3 --nkv 5
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/idx.npy --input %t/cnt.npy --input %t/vbs.npy --output %t/o.npy
// RUN: %npy check block_sparse --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/idx.npy,%t/cnt.npy,%t/vbs.npy --outputs %t/o.npy --attrs '{"block_q":8,"block_kv":8,"scale":0.4}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<2x6x16x8xf32>, %k: tensor<2x2x40x8xf32>, %v: tensor<2x2x40x8xf32>,
                %idx: tensor<2x6x2x3xi32>, %cnt: tensor<2x6x2xi32>, %vbs: tensor<5xi32>) -> tensor<2x6x16x8xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 8 block_kv 8 scale 0.4
      : (tensor<2x6x16x8xf32>, tensor<2x2x40x8xf32>, tensor<2x2x40x8xf32>, tensor<2x6x2x3xi32>, tensor<2x6x2xi32>, tensor<5xi32>) -> tensor<2x6x16x8xf32>
  return %o : tensor<2x6x16x8xf32>
}
