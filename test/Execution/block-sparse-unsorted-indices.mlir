// attn.block_sparse with each row's kv block ids in random (non-ascending) order gives the same
// result as with the same ids sorted (within 1e-5), and matches the reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,24,8
// RUN: %npy rand %t/k.npy --shape 1,2,56,8
// RUN: %npy rand %t/v.npy --shape 1,2,56,8
// RUN: %python %S/Inputs/block_indices.py %t/idx.npy %t/cnt.npy --shape 1,2,3,5 --nkv 7 --min-count 3 --unsorted --sorted-copy %t/sorted.npy
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/idx.npy --input %t/cnt.npy --output %t/o.npy
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/sorted.npy --input %t/cnt.npy --output %t/os.npy
// RUN: %python %S/Inputs/close.py %t/o.npy %t/os.npy --tol 1e-5 | FileCheck %s --check-prefix=SAME
// RUN: %npy check block_sparse --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/idx.npy,%t/cnt.npy --outputs %t/o.npy --attrs '{"block_q":8,"block_kv":8}' | FileCheck %s
// SAME: CLOSE
// CHECK: OK out
func.func @main(%q: tensor<1x2x24x8xf32>, %k: tensor<1x2x56x8xf32>, %v: tensor<1x2x56x8xf32>,
                %idx: tensor<1x2x3x5xi32>, %cnt: tensor<1x2x3xi32>) -> tensor<1x2x24x8xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 8 block_kv 8
      : (tensor<1x2x24x8xf32>, tensor<1x2x56x8xf32>, tensor<1x2x56x8xf32>, tensor<1x2x3x5xi32>, tensor<1x2x3xi32>) -> tensor<1x2x24x8xf32>
  return %o : tensor<1x2x24x8xf32>
}
