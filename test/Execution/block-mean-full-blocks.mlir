// attn.block_mean without block_sizes: the mean over all P tokens of each block (f32 and bf16
// inputs; the bf16 result is the f32 mean rounded to bf16).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,2,48,8
// RUN: attn-run %s --input %t/x.npy --output %t/m.npy
// RUN: %npy check block_mean --inputs %t/x.npy --outputs %t/m.npy --attrs '{"block":16}' | FileCheck %s
// RUN: attn-run %s --entry bf16 --input %t/x.npy --output %t/mb.npy
// RUN: %npy check block_mean --inputs %t/x.npy --outputs %t/mb.npy --attrs '{"block":16,"round_inputs":"bf16"}' --tol 1e-2 | FileCheck %s
// CHECK: OK out
func.func @main(%x: tensor<2x2x48x8xf32>) -> tensor<2x2x3x8xf32> {
  %m = attn.block_mean %x block 16 : tensor<2x2x48x8xf32>
  return %m : tensor<2x2x3x8xf32>
}
func.func @bf16(%x: tensor<2x2x48x8xbf16>) -> tensor<2x2x3x8xbf16> {
  %m = attn.block_mean %x block 16 : tensor<2x2x48x8xbf16>
  return %m : tensor<2x2x3x8xbf16>
}
