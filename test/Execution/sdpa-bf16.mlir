// attn.sdpa on bf16 q/k/v with a key mask (f32 accumulation, bf16 result): matches the
// reference on the bf16-rounded inputs within bf16 output precision.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,24,32
// RUN: %npy rand %t/k.npy --shape 1,2,40,32
// RUN: %npy rand %t/v.npy --shape 1,2,40,32
// RUN: %npy rand %t/m.npy --shape 1,40 --dtype b1
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/m.npy --output %t/o.npy
// RUN: %npy check sdpa --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/m.npy --outputs %t/o.npy --attrs '{"round_inputs":"bf16"}' --tol 1e-2 | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x2x24x32xbf16>, %k: tensor<1x2x40x32xbf16>, %v: tensor<1x2x40x32xbf16>, %m: tensor<1x40xi1>) -> tensor<1x2x24x32xbf16> {
  %o = attn.sdpa %q, %k, %v key_mask %m : (tensor<1x2x24x32xbf16>, tensor<1x2x40x32xbf16>, tensor<1x2x40x32xbf16>, tensor<1x40xi1>) -> tensor<1x2x24x32xbf16>
  return %o : tensor<1x2x24x32xbf16>
}
