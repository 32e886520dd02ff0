// attn.sdpa with an explicit `scale` attribute (0.7, far from the default 1/sqrt(8)) and a key
// mask: the attribute, rounded to f32, replaces the default scale.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 2,2,10,8
// RUN: %npy rand %t/k.npy --shape 2,1,14,8
// RUN: %npy rand %t/v.npy --shape 2,1,14,8
// RUN: %npy rand %t/m.npy --shape 2,14 --dtype b1
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/m.npy --output %t/o.npy
// RUN: %npy check sdpa --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/m.npy --outputs %t/o.npy --attrs '{"scale":0.7}' | FileCheck %s
// The default scale would give a clearly different result.
// RUN: not %npy check sdpa --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/m.npy --outputs %t/o.npy | FileCheck %s --check-prefix=DEFAULT
// CHECK: OK out
// DEFAULT: FAIL out
func.func @main(%q: tensor<2x2x10x8xf32>, %k: tensor<2x1x14x8xf32>, %v: tensor<2x1x14x8xf32>, %m: tensor<2x14xi1>) -> tensor<2x2x10x8xf32> {
  %o = attn.sdpa %q, %k, %v key_mask %m scale 0.7 : (tensor<2x2x10x8xf32>, tensor<2x1x14x8xf32>, tensor<2x1x14x8xf32>, tensor<2x14xi1>) -> tensor<2x2x10x8xf32>
  return %o : tensor<2x2x10x8xf32>
}
