// attn.block_sparse with block_q != block_kv in both directions (16/4 and 4/16), with partial
// kv blocks in the second, against the reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,32,8
// RUN: %npy rand %t/k.npy --shape 1,2,48,8
// RUN: %npy rand %t/v.npy --shape 1,2,48,8
// RUN: %python %S/Inputs/block_indices.py %t/idx.npy %t/cnt.npy --shape 1,2,2,7 --nkv 12 --min-count 0
// RUN: attn-run %s --entry wide_q --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/idx.npy --input %t/cnt.npy --output %t/o.npy
// RUN: %npy check block_sparse --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/idx.npy,%t/cnt.npy --outputs %t/o.npy --attrs '{"block_q":16,"block_kv":4}' | FileCheck %s
// RUN: %python %S/Inputs/block_indices.py %t/idx2.npy %t/cnt2.npy --shape 1,2,8,2 --nkv 3
// RUN: %npy rand %t/vbs.npy --shape 3 --dtype i4 --low 1 --high 17
// RUN: attn-run %s --entry wide_kv --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/idx2.npy --input %t/cnt2.npy --input %t/vbs.npy --output %t/o2.npy
// RUN: %npy check block_sparse --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/idx2.npy,%t/cnt2.npy,%t/vbs.npy --outputs %t/o2.npy --attrs '{"block_q":4,"block_kv":16}' | FileCheck %s
// CHECK: OK out
func.func @wide_q(%q: tensor<1x2x32x8xf32>, %k: tensor<1x2x48x8xf32>, %v: tensor<1x2x48x8xf32>,
                  %idx: tensor<1x2x2x7xi32>, %cnt: tensor<1x2x2xi32>) -> tensor<1x2x32x8xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 16 block_kv 4
      : (tensor<1x2x32x8xf32>, tensor<1x2x48x8xf32>, tensor<1x2x48x8xf32>, tensor<1x2x2x7xi32>, tensor<1x2x2xi32>) -> tensor<1x2x32x8xf32>
  return %o : tensor<1x2x32x8xf32>
}
func.func @wide_kv(%q: tensor<1x2x32x8xf32>, %k: tensor<1x2x48x8xf32>, %v: tensor<1x2x48x8xf32>,
                   %idx: tensor<1x2x8x2xi32>, %cnt: tensor<1x2x8xi32>, %vbs: tensor<3xi32>) -> tensor<1x2x32x8xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 4 block_kv 16
      : (tensor<1x2x32x8xf32>, tensor<1x2x48x8xf32>, tensor<1x2x48x8xf32>, tensor<1x2x8x2xi32>, tensor<1x2x8xi32>, tensor<3xi32>) -> tensor<1x2x32x8xf32>
  return %o : tensor<1x2x32x8xf32>
}
