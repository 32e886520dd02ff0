// A dynamic attn.sdpa run on shapes that break a relation the verifier could
// not check: attn-run names the op, the relation and the sizes, exits 1,
// runs nothing and writes no output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,4,8
// RUN: %npy rand %t/k16.npy --shape 1,2,4,16
// RUN: %npy rand %t/k3h.npy --shape 1,3,4,8
// RUN: %npy rand %t/k2b.npy --shape 2,2,4,8
// RUN: %npy rand %t/v5.npy --shape 1,2,5,8
// RUN: %npy rand %t/m.npy --shape 1,4 --dtype b1
// RUN: %npy rand %t/m5.npy --shape 1,5 --dtype b1
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/k16.npy --input %t/k16.npy --input %t/m.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=HEADDIM
// HEADDIM: attn-run: error: attn.sdpa at {{.*}}: head_dim of 'q' and 'k' must match, got 8 and 16
// HEADDIM: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/k3h.npy --input %t/k3h.npy --input %t/m.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=GQA
// GQA: attn-run: error: attn.sdpa at {{.*}}: query heads (2) must be a multiple of kv heads (3)
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/k2b.npy --input %t/k2b.npy --input %t/m.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=BATCH
// BATCH: attn-run: error: attn.sdpa at {{.*}}: batch of 'q' and 'k' must match, got 1 and 2
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/v5.npy --input %t/m.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=KV
// KV: attn-run: error: attn.sdpa at {{.*}}: sequence of 'k' and 'v' must match, got 4 and 5
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/q.npy --input %t/q.npy --input %t/m5.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=MASK
// MASK: attn-run: error: attn.sdpa at {{.*}}: dim 1 of 'key_mask' and sequence of 'k' must match, got 5 and 4
// MASK: expect_exit: OK exit code 1
func.func @main(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>,
                %m: tensor<?x?xi1>) -> tensor<?x?x?x?xf32> {
  %o = attn.sdpa %q, %k, %v key_mask %m
      : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?xi1>) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
