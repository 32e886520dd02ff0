// As failed-move-leaves-no-output, with a file from an earlier run at the first
// output path: the failed run must leave that file unchanged, not replace it
// with a result of the failed run.
// RUN: rm -rf %t && mkdir -p %t/adir
// RUN: %mknpy values %t/len.npy --dtype i4 --shape 2 --values=2,5
// RUN: %mknpy values %t/other.npy --dtype i4 --shape 2 --values=0,0
// RUN: attn-run %s --input %t/other.npy --input %t/other.npy --output %t/a.npy --output %t/b.npy
// RUN: %expect_exit --unchanged %t/a.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/len.npy --input %t/len.npy \
// RUN:   --output %t/a.npy --output %t/adir | FileCheck %s -DT=%t
// CHECK: attn-run: error: output '[[T]]/adir'
// CHECK: expect_exit: OK exit code 1
func.func @main(%len: tensor<2xi32>, %big: tensor<2xi32>) -> (tensor<2x5xi1>, tensor<2x4xi1>) {
  %a = attn.mask_from_lengths %len size 5 : tensor<2xi32>
  %b = attn.mask_from_lengths %big size 4 : tensor<2xi32>
  return %a, %b : tensor<2x5xi1>, tensor<2x4xi1>
}
