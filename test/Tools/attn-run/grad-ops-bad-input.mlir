// The gradient ops' run-time inputs are checked like the forward's before
// anything runs: an out-of-range kv_indices id of attn.block_sparse_grad,
// (dynamic shapes) a dout whose shape is not q's (attn.sdpa_grad,
// attn.vsa_grad), a block size of attn.vsa_grad above its block. The GPU path
// names the backward as CPU-only.
// Nkv = 8/4 = 2 kv blocks, K = 2 ids per row, block_kv = 4.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,1,8,4
// RUN: %npy rand %t/q6.npy --shape 1,1,6,4
// RUN: %mknpy values %t/idx.npy --dtype i4 --shape 1,1,2,2 --values=0,1,2,0
// RUN: %mknpy values %t/cnt.npy --dtype i4 --shape 1,1,2 --values=2,1
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/idx.npy \
// RUN:   --input %t/cnt.npy --output %t/o.npy --output %t/o1.npy --output %t/o2.npy \
// RUN:   | FileCheck %s --check-prefix=IDX
// IDX: attn-run: error: argument #2 ('kv_indices' of attn.block_sparse_grad at {{.*}}): row 1 entry 0 is block id 2, expected an id in [0, 2)
// IDX: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --entry sdpa_grad_dyn --input %t/q.npy --input %t/q6.npy \
// RUN:   --output %t/o.npy --output %t/o1.npy --output %t/o2.npy | FileCheck %s --check-prefix=DOUT
// DOUT: attn-run: error: attn.sdpa_grad at {{.*}}: 'dout' must have the shape of 'q' (1, 1, 8, 4), got (1, 1, 6, 4)
// DOUT: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --entry vsa_grad_dyn --input %t/q.npy --input %t/q6.npy \
// RUN:   --output %t/o.npy --output %t/o1.npy --output %t/o2.npy | FileCheck %s --check-prefix=VSADOUT
// VSADOUT: attn-run: error: attn.vsa_grad at {{.*}}: 'dout' must have the shape of 'q' (1, 1, 8, 4), got (1, 1, 6, 4)
// VSADOUT: expect_exit: OK exit code 1
// RUN: %mknpy values %t/sizes.npy --dtype i4 --shape 2 --values=4,5
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --entry vsa_grad_sizes --input %t/q.npy --input %t/q.npy --input %t/sizes.npy \
// RUN:   --output %t/o.npy --output %t/o1.npy --output %t/o2.npy | FileCheck %s --check-prefix=VSASIZES
// VSASIZES: attn-run: error: argument #2 ('q_block_sizes' of attn.vsa_grad at {{.*}}): entry 1 is 5, expected a value in [0, 4]
// VSASIZES: expect_exit: OK exit code 1
func.func @main(%q: tensor<1x1x8x4xf32>, %do: tensor<1x1x8x4xf32>, %idx: tensor<1x1x2x2xi32>, %cnt: tensor<1x1x2xi32>) -> (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) {
  %dq, %dk, %dv = attn.block_sparse_grad %q, %q, %q, %do, %idx, %cnt block_q 4 block_kv 4 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>)
  return %dq, %dk, %dv : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>
}
func.func @sdpa_grad_dyn(%q: tensor<1x1x?x4xf32>, %do: tensor<1x1x?x4xf32>) -> (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>) {
  %dq, %dk, %dv = attn.sdpa_grad %q, %q, %q, %do : (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>) -> (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>)
  return %dq, %dk, %dv : tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>
}
func.func @vsa_grad_dyn(%q: tensor<1x1x?x4xf32>, %do: tensor<1x1x?x4xf32>) -> (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>) {
  %dq, %dk, %dv = attn.vsa_grad %q, %q, %q, %do block 2 topk 1 : (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>) -> (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>)
  return %dq, %dk, %dv : tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>
}
func.func @vsa_grad_sizes(%q: tensor<1x1x8x4xf32>, %do: tensor<1x1x8x4xf32>, %s: tensor<2xi32>) -> (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) {
  %dq, %dk, %dv = attn.vsa_grad %q, %q, %q, %do q_block_sizes %s kv_block_sizes %s block 4 topk 1 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<2xi32>, tensor<2xi32>) -> (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>)
  return %dq, %dk, %dv : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>
}
