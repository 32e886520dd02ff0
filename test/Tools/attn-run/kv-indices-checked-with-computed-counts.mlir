// SPEC: out-of-range kv ids are bad input that the CPU path reports with a
// clear error, "never an out-of-bounds read or a silently wrong answer"
// (CpuRunner.h). Here kv_indices is an argument but kv_counts is computed
// (attn.block_topk, always 2 = K per row), so the ids cannot be judged before
// the run; an id of 100000000 (or -100000000) within the count must still be an
// error (a check at run time), not a silent exit 0.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,1,8,4
// RUN: %npy rand %t/s.npy --shape 1,1,2,2
// RUN: %mknpy values %t/idx.npy --dtype i4 --shape 1,1,2,2 --values=0,1,1,0
// RUN: %mknpy values %t/big.npy --dtype i4 --shape 1,1,2,2 --values=0,100000000,1,0
// RUN: %mknpy values %t/neg.npy --dtype i4 --shape 1,1,2,2 --values=0,-100000000,1,0
// Valid ids run.
// RUN: attn-run %s --input %t/q.npy --input %t/q.npy --input %t/q.npy \
// RUN:   --input %t/idx.npy --input %t/s.npy --output %t/o.npy
// RUN: %expect_exit --absent %t/o1.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/q.npy \
// RUN:   --input %t/big.npy --input %t/s.npy --output %t/o1.npy | FileCheck %s
// RUN: %expect_exit --absent %t/o2.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/q.npy \
// RUN:   --input %t/neg.npy --input %t/s.npy --output %t/o2.npy | FileCheck %s
// CHECK: attn-run: error: {{.*}}kv_indices{{.*}}
// CHECK: expect_exit: OK exit code 1
func.func @main(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>,
                %idx: tensor<1x1x2x2xi32>, %s: tensor<1x1x2x2xf32>) -> tensor<1x1x8x4xf32> {
  %unused, %cnt = attn.block_topk %s k 2 : tensor<1x1x2x2xf32>
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 4 block_kv 4
      : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}
