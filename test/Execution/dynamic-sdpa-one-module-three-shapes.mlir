// One attn.sdpa module with every dimension dynamic, run by attn-run at three
// shapes (MHA, GQA with a key mask and Sq != Skv, odd sizes and a larger
// head_dim) against the NumPy reference: the dynamic lowering reads batch,
// heads, lengths and head_dim from the inputs and scales by 1/sqrt(D) of
// the run.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q1.npy --shape 1,1,4,8
// RUN: %npy rand %t/k1.npy --shape 1,1,4,8
// RUN: %npy rand %t/v1.npy --shape 1,1,4,8
// RUN: %npy rand %t/m1.npy --shape 1,4 --dtype b1
// RUN: attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/m1.npy --output %t/o1.npy
// RUN: %npy check sdpa --inputs %t/q1.npy,%t/k1.npy,%t/v1.npy,%t/m1.npy --outputs %t/o1.npy | FileCheck %s
// RUN: %npy rand %t/q2.npy --shape 2,4,16,8
// RUN: %npy rand %t/k2.npy --shape 2,2,24,8
// RUN: %npy rand %t/v2.npy --shape 2,2,24,8
// RUN: %npy rand %t/m2.npy --shape 2,24 --dtype b1
// RUN: attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/m2.npy --output %t/o2.npy
// RUN: %npy check sdpa --inputs %t/q2.npy,%t/k2.npy,%t/v2.npy,%t/m2.npy --outputs %t/o2.npy | FileCheck %s
// RUN: %npy rand %t/q3.npy --shape 3,3,7,32
// RUN: %npy rand %t/k3.npy --shape 3,1,5,32
// RUN: %npy rand %t/v3.npy --shape 3,1,5,32
// RUN: %npy rand %t/m3.npy --shape 3,5 --dtype b1
// RUN: attn-run %s --input %t/q3.npy --input %t/k3.npy --input %t/v3.npy --input %t/m3.npy --output %t/o3.npy
// RUN: %npy check sdpa --inputs %t/q3.npy,%t/k3.npy,%t/v3.npy,%t/m3.npy --outputs %t/o3.npy | FileCheck %s
// The same module through attn-optimize (hoist-masks, fold-layout) and
// without buffer reuse gives the same answer.
// RUN: attn-run %s --optimize --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/m2.npy --output %t/o2opt.npy
// RUN: attn-run %s --reuse-buffers=false --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/m2.npy --output %t/o2nr.npy
// RUN: %npy check sdpa --inputs %t/q2.npy,%t/k2.npy,%t/v2.npy,%t/m2.npy --outputs %t/o2opt.npy | FileCheck %s
// RUN: %npy check sdpa --inputs %t/q2.npy,%t/k2.npy,%t/v2.npy,%t/m2.npy --outputs %t/o2nr.npy | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>,
                %m: tensor<?x?xi1>) -> tensor<?x?x?x?xf32> {
  %o = attn.sdpa %q, %k, %v key_mask %m
      : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?xi1>) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
