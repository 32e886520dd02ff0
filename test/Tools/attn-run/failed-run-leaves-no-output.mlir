// A run that fails (here: a kv_counts value out of range, found after the
// module is parsed and the inputs read) leaves none of its --output files
// behind, and no *.partial file either.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,1,8,4
// RUN: %mknpy values %t/idx.npy --dtype i4 --shape 1,1,2,2 --values=0,1,1,0
// RUN: %mknpy values %t/cnt.npy --dtype i4 --shape 1,1,2 --values=2,3
// RUN: %mknpy values %t/len.npy --dtype i4 --shape 1 --values=3
// RUN: %expect_exit --absent %t/o.npy --absent %t/m.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/q.npy \
// RUN:   --input %t/idx.npy --input %t/cnt.npy --input %t/len.npy \
// RUN:   --output %t/o.npy --output %t/m.npy | FileCheck %s
// CHECK: attn-run: error: argument #4 ('kv_counts'
// CHECK: expect_exit: OK exit code 1
func.func @main(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>,
                %idx: tensor<1x1x2x2xi32>, %cnt: tensor<1x1x2xi32>, %len: tensor<1xi32>)
    -> (tensor<1x1x8x4xf32>, tensor<1x8xi1>) {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 4 block_kv 4
      : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> tensor<1x1x8x4xf32>
  %m = attn.mask_from_lengths %len size 8 : tensor<1xi32>
  return %o, %m : tensor<1x1x8x4xf32>, tensor<1x8xi1>
}
