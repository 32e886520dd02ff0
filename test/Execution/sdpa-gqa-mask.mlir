// attn.sdpa with grouped-query heads and a random key mask, against the
// NumPy reference on fresh random data.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 2,4,16,8
// RUN: %npy rand %t/k.npy --shape 2,2,24,8
// RUN: %npy rand %t/v.npy --shape 2,2,24,8
// RUN: %npy rand %t/m.npy --shape 2,24 --dtype b1
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/m.npy --output %t/o.npy
// RUN: %npy check sdpa --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/m.npy --outputs %t/o.npy | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<2x4x16x8xf32>, %k: tensor<2x2x24x8xf32>, %v: tensor<2x2x24x8xf32>, %m: tensor<2x24xi1>) -> tensor<2x4x16x8xf32> {
  %o = attn.sdpa %q, %k, %v key_mask %m : (tensor<2x4x16x8xf32>, tensor<2x2x24x8xf32>, tensor<2x2x24x8xf32>, tensor<2x24xi1>) -> tensor<2x4x16x8xf32>
  return %o : tensor<2x4x16x8xf32>
}
