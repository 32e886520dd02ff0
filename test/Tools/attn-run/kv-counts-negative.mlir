// A negative kv_counts entry is rejected, naming the argument and the range.
// Nkv = 8/4 = 2 kv blocks, K = 2 ids per row, block_kv = 4.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,1,8,4
// RUN: %npy rand %t/k.npy --shape 1,1,8,4
// RUN: %npy rand %t/v.npy --shape 1,1,8,4
// RUN: %mknpy values %t/idx.npy --dtype i4 --shape 1,1,2,2 --values=0,1,1,0
// RUN: %mknpy values %t/cnt.npy --dtype i4 --shape 1,1,2 --values=-1,2
// RUN: %mknpy values %t/vbs.npy --dtype i4 --shape 2 --values=4,4
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy \
// RUN:   --input %t/idx.npy --input %t/cnt.npy --input %t/vbs.npy --output %t/o.npy \
// RUN:   | FileCheck %s
// CHECK: attn-run: error: argument #4 ('kv_counts' of attn.block_sparse at {{.*}}): entry 0 is -1, expected a value in [0, 2]
// CHECK: expect_exit: OK exit code 1
func.func @main(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>,
                %idx: tensor<1x1x2x2xi32>, %cnt: tensor<1x1x2xi32>, %vbs: tensor<2xi32>) -> tensor<1x1x8x4xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 4 block_kv 4
      : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>, tensor<2xi32>) -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}
