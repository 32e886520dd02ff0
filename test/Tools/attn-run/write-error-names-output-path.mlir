// When an output cannot be written, the message names the path the user gave
// (--output), not attn-run's internal temporary 'PATH.partial'.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mknpy values %t/len.npy --dtype i4 --shape 2 --values=2,5
// RUN: %expect_exit --absent %t/a.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/len.npy --input %t/len.npy \
// RUN:   --output %t/a.npy --output %t/nodir/b.npy | FileCheck %s -DT=%t
// CHECK: attn-run: error: output '[[T]]/nodir/b.npy':
// CHECK-NOT: .partial
// CHECK: expect_exit: OK exit code 1
func.func @main(%len: tensor<2xi32>, %big: tensor<2xi32>) -> (tensor<2x5xi1>, tensor<2x4xi1>) {
  %a = attn.mask_from_lengths %len size 5 : tensor<2xi32>
  %b = attn.mask_from_lengths %big size 4 : tensor<2xi32>
  return %a, %b : tensor<2x5xi1>, tensor<2x4xi1>
}
