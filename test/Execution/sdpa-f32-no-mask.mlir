// attn.sdpa in f32 without a key mask (Sq != Skv, head_dim 16), against the NumPy reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 2,3,20,16
// RUN: %npy rand %t/k.npy --shape 2,3,33,16
// RUN: %npy rand %t/v.npy --shape 2,3,33,16
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o.npy
// RUN: %npy check sdpa --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o.npy | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<2x3x20x16xf32>, %k: tensor<2x3x33x16xf32>, %v: tensor<2x3x33x16xf32>) -> tensor<2x3x20x16xf32> {
  %o = attn.sdpa %q, %k, %v : (tensor<2x3x20x16xf32>, tensor<2x3x33x16xf32>, tensor<2x3x33x16xf32>) -> tensor<2x3x20x16xf32>
  return %o : tensor<2x3x20x16xf32>
}
