// SPEC: out-of-range kv ids or counts are bad input that the CPU path reports
// with a clear error. Here the tables come from @main's arguments but reach
// attn.block_sparse through a func.call; they must still be checked (id 2 with
// Nkv = 2, and a count of 100000000 with K = 2), not silently accepted.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,1,8,4
// RUN: %mknpy values %t/idx.npy --dtype i4 --shape 1,1,2,2 --values=0,1,1,0
// RUN: %mknpy values %t/bad_idx.npy --dtype i4 --shape 1,1,2,2 --values=0,2,1,0
// RUN: %mknpy values %t/cnt.npy --dtype i4 --shape 1,1,2 --values=2,1
// RUN: %mknpy values %t/bad_cnt.npy --dtype i4 --shape 1,1,2 --values=2,100000000
// Valid tables run.
// RUN: attn-run %s --input %t/q.npy --input %t/q.npy --input %t/q.npy \
// RUN:   --input %t/idx.npy --input %t/cnt.npy --output %t/o.npy
// RUN: %expect_exit --absent %t/o1.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/q.npy \
// RUN:   --input %t/bad_idx.npy --input %t/cnt.npy --output %t/o1.npy \
// RUN:   | FileCheck %s --check-prefix=IDS
// IDS: attn-run: error: {{.*}}kv_indices{{.*}}
// IDS: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/o2.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/q.npy \
// RUN:   --input %t/idx.npy --input %t/bad_cnt.npy --output %t/o2.npy \
// RUN:   | FileCheck %s --check-prefix=COUNTS
// COUNTS: attn-run: error: {{.*}}kv_counts{{.*}}
// COUNTS: expect_exit: OK exit code 1
func.func private @inner(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>,
                         %idx: tensor<1x1x2x2xi32>, %cnt: tensor<1x1x2xi32>) -> tensor<1x1x8x4xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 4 block_kv 4
      : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}
func.func @main(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>,
                %idx: tensor<1x1x2x2xi32>, %cnt: tensor<1x1x2xi32>) -> tensor<1x1x8x4xf32> {
  %o = func.call @inner(%q, %k, %v, %idx, %cnt)
      : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}
