// A dynamic attn.block_sparse run on shapes that break a relation the
// verifier could not check: a sequence that is not a whole number of blocks,
// tables of the wrong shape, more ids per row than kv blocks, block sizes
// for the wrong number of blocks. Each names the relation and the sizes,
// exit 1, nothing written.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,1,8,4
// RUN: %npy rand %t/q6.npy --shape 1,1,6,4
// RUN: %npy rand %t/k.npy --shape 1,1,8,4
// RUN: %mknpy values %t/idx.npy --dtype i4 --shape 1,1,2,2 --values=0,1,1,0
// RUN: %mknpy values %t/idx3.npy --dtype i4 --shape 1,1,3,2 --values=0,1,1,0,0,1
// RUN: %mknpy values %t/idxk3.npy --dtype i4 --shape 1,1,2,3 --values=0,1,0,1,0,1
// RUN: %mknpy values %t/cnt.npy --dtype i4 --shape 1,1,2 --values=2,2
// RUN: %mknpy values %t/vbs.npy --dtype i4 --shape 2 --values=4,4
// RUN: %mknpy values %t/vbs3.npy --dtype i4 --shape 3 --values=4,4,4
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q6.npy --input %t/k.npy --input %t/k.npy --input %t/idx.npy --input %t/cnt.npy --input %t/vbs.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=BLOCKQ
// BLOCKQ: attn-run: error: attn.block_sparse at {{.*}}: query length (6) must be a multiple of 'block_q' (4)
// BLOCKQ: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/k.npy --input %t/k.npy --input %t/idx3.npy --input %t/cnt.npy --input %t/vbs.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=IDX
// IDX: attn-run: error: attn.block_sparse at {{.*}}: 'kv_indices' must have shape [B, Hq, Nq, K] = (1, 1, 2, 2), got (1, 1, 3, 2)
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/k.npy --input %t/k.npy --input %t/idxk3.npy --input %t/cnt.npy --input %t/vbs.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=TOPK
// TOPK: attn-run: error: attn.block_sparse at {{.*}}: 'kv_indices' lists K = 3 blocks per row, more than the Nkv = 2 kv blocks
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/k.npy --input %t/k.npy --input %t/idx.npy --input %t/cnt.npy --input %t/vbs3.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=SIZES
// SIZES: attn-run: error: attn.block_sparse at {{.*}}: entries of 'kv_block_sizes' and Nkv must match, got 3 and 2
// SIZES: expect_exit: OK exit code 1
func.func @main(%q: tensor<1x1x?x4xf32>, %k: tensor<1x1x?x4xf32>, %v: tensor<1x1x?x4xf32>,
                %idx: tensor<1x1x?x?xi32>, %cnt: tensor<1x1x?xi32>, %vbs: tensor<?xi32>) -> tensor<1x1x?x4xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 4 block_kv 4
      : (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x?xi32>, tensor<1x1x?xi32>, tensor<?xi32>) -> tensor<1x1x?x4xf32>
  return %o : tensor<1x1x?x4xf32>
}
