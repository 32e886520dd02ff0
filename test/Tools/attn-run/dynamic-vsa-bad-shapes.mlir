// A dynamic attn.vsa run on shapes that break a relation the verifier could
// not check: tokens that are not whole tiles, block sizes for the wrong
// number of tiles, a gate of another shape, k/v that disagree. Each names the
// relation and the sizes, exit 1, nothing written.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,32,8
// RUN: %npy rand %t/q30.npy --shape 1,2,30,8
// RUN: %npy rand %t/g.npy --shape 1,2,16,8
// RUN: %npy rand %t/v48.npy --shape 1,2,48,8
// RUN: %mknpy values %t/s2.npy --dtype i4 --shape 2 --values=16,16
// RUN: %mknpy values %t/s3.npy --dtype i4 --shape 3 --values=16,16,16
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q30.npy --input %t/q30.npy --input %t/q30.npy --input %t/q30.npy --input %t/s2.npy --input %t/s2.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=BLOCK
// BLOCK: attn-run: error: attn.vsa at {{.*}}: query and key lengths (30, 30) must be multiples of 'block' (16)
// BLOCK: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/q.npy --input %t/q.npy --input %t/s3.npy --input %t/s2.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=SIZES
// SIZES: attn-run: error: attn.vsa at {{.*}}: 'q_block_sizes' must have one entry per block (2), got 3
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/q.npy --input %t/g.npy --input %t/s2.npy --input %t/s2.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=GATE
// GATE: attn-run: error: attn.vsa at {{.*}}: 'gate' must have the shape of 'q' (1, 2, 32, 8), got (1, 2, 16, 8)
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/v48.npy --input %t/q.npy --input %t/s2.npy --input %t/s2.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=KV
// KV: attn-run: error: attn.vsa at {{.*}}: sequence of 'k' and 'v' must match, got 32 and 48
// KV: expect_exit: OK exit code 1
func.func @main(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>,
                %g: tensor<?x?x?x?xf32>, %qbs: tensor<?xi32>, %kvbs: tensor<?xi32>) -> tensor<?x?x?x?xf32> {
  %o = attn.vsa %q, %k, %v gate %g q_block_sizes %qbs kv_block_sizes %kvbs block 16 topk 2
      : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>,
         tensor<?x?x?x?xf32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
