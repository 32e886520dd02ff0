// Entries of kv_indices past a row's count are ignored (SPEC): garbage there
// (out of range, negative, duplicate) must be ACCEPTED, and the result must be
// bit-identical to a run with clean padding and match the NumPy reference.
// Nkv = 2 kv blocks, K = 2 ids per row; row 0 uses 1 id, row 1 uses none.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,1,8,4
// RUN: %npy rand %t/k.npy --shape 1,1,8,4
// RUN: %npy rand %t/v.npy --shape 1,1,8,4
// RUN: %mknpy values %t/clean.npy --dtype i4 --shape 1,1,2,2 --values=1,0,0,1
// RUN: %mknpy values %t/junk.npy --dtype i4 --shape 1,1,2,2 --values=1,2147483647,-1,-1
// RUN: %mknpy values %t/cnt.npy --dtype i4 --shape 1,1,2 --values=1,0
// RUN: %mknpy values %t/vbs.npy --dtype i4 --shape 2 --values=4,3
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy \
// RUN:   --input %t/clean.npy --input %t/cnt.npy --input %t/vbs.npy --output %t/o_clean.npy
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy \
// RUN:   --input %t/junk.npy --input %t/cnt.npy --input %t/vbs.npy --output %t/o_junk.npy
// RUN: %npy equal %t/o_clean.npy %t/o_junk.npy
// RUN: %npy check block_sparse --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/junk.npy,%t/cnt.npy,%t/vbs.npy \
// RUN:   --outputs %t/o_junk.npy --attrs '{"block_q": 4, "block_kv": 4}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>,
                %idx: tensor<1x1x2x2xi32>, %cnt: tensor<1x1x2xi32>, %vbs: tensor<2xi32>) -> tensor<1x1x8x4xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 4 block_kv 4
      : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>, tensor<2xi32>) -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}
