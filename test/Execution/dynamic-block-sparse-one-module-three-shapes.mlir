// One attn.block_sparse module with dynamic batch, heads, sequence lengths,
// ids per row (K) and kv block count, run by attn-run at three shapes (MHA,
// GQA with Sq != Skv, K = Nkv) with partial kv blocks, against the NumPy
// reference. Nq, Nkv and the id clamp come from the run's shapes.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q1.npy --shape 1,1,8,8
// RUN: %npy rand %t/k1.npy --shape 1,1,16,8
// RUN: %npy rand %t/v1.npy --shape 1,1,16,8
// RUN: %npy rand %t/s1.npy --shape 4 --dtype i4 --low 1 --high 5
// RUN: %python %S/Inputs/block_indices.py %t/i1.npy %t/c1.npy --shape 1,1,2,2 --nkv 4
// RUN: attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/i1.npy --input %t/c1.npy --input %t/s1.npy --output %t/o1.npy
// RUN: %npy check block_sparse --inputs %t/q1.npy,%t/k1.npy,%t/v1.npy,%t/i1.npy,%t/c1.npy,%t/s1.npy --outputs %t/o1.npy --attrs '{"block_q":4,"block_kv":4}' | FileCheck %s
// RUN: %npy rand %t/q2.npy --shape 2,6,16,8
// RUN: %npy rand %t/k2.npy --shape 2,2,40,8
// RUN: %npy rand %t/v2.npy --shape 2,2,40,8
// RUN: %npy rand %t/s2.npy --shape 10 --dtype i4 --low 1 --high 5
// RUN: %python %S/Inputs/block_indices.py %t/i2.npy %t/c2.npy --shape 2,6,4,3 --nkv 10
// RUN: attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/i2.npy --input %t/c2.npy --input %t/s2.npy --output %t/o2.npy
// RUN: %npy check block_sparse --inputs %t/q2.npy,%t/k2.npy,%t/v2.npy,%t/i2.npy,%t/c2.npy,%t/s2.npy --outputs %t/o2.npy --attrs '{"block_q":4,"block_kv":4}' | FileCheck %s
// RUN: %npy rand %t/q3.npy --shape 1,4,12,16
// RUN: %npy rand %t/k3.npy --shape 1,4,12,16
// RUN: %npy rand %t/v3.npy --shape 1,4,12,16
// RUN: %npy rand %t/s3.npy --shape 3 --dtype i4 --low 0 --high 5
// RUN: %python %S/Inputs/block_indices.py %t/i3.npy %t/c3.npy --shape 1,4,3,3 --nkv 3 --zero-rows 2
// RUN: attn-run %s --input %t/q3.npy --input %t/k3.npy --input %t/v3.npy --input %t/i3.npy --input %t/c3.npy --input %t/s3.npy --output %t/o3.npy
// RUN: %npy check block_sparse --inputs %t/q3.npy,%t/k3.npy,%t/v3.npy,%t/i3.npy,%t/c3.npy,%t/s3.npy --outputs %t/o3.npy --attrs '{"block_q":4,"block_kv":4}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>,
                %idx: tensor<?x?x?x?xi32>, %cnt: tensor<?x?x?xi32>, %vbs: tensor<?xi32>) -> tensor<?x?x?x?xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 4 block_kv 4
      : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xi32>, tensor<?x?x?xi32>, tensor<?xi32>) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
