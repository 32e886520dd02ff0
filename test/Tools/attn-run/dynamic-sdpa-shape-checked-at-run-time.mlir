// Where the shapes reaching a dynamic attn.sdpa are not the entry's inputs
// (here k comes back from a call), attn-run cannot check them up front; the
// lowered code checks them before the op computes (cf.assert), and the
// failure comes back as an error naming the relation, exit code 1, no output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,4,8
// RUN: %npy rand %t/k.npy --shape 1,2,4,16
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/q.npy --input %t/k.npy --output %t/o.npy | FileCheck %s
// CHECK: attn-run: error: running 'main' failed: run-time shape check failed: attn.sdpa: head_dim of 'k' must match head_dim of 'q'
// CHECK: expect_exit: OK exit code 1
// The same module on agreeing shapes runs.
// RUN: attn-run %s --input %t/q.npy --input %t/q.npy --output %t/o.npy
// RUN: %npy check sdpa --inputs %t/q.npy,%t/q.npy,%t/q.npy --outputs %t/o.npy | FileCheck %s --check-prefix=OK
// OK: OK out
func.func @main(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %kk = call @pass_through(%k) : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %o = attn.sdpa %q, %kk, %kk : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
func.func private @pass_through(%k: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  return %k : tensor<?x?x?x?xf32>
}
