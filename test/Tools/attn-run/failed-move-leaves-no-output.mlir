// Moving the outputs into place fails for the second one (its path is an
// existing directory): the run fails (exit 1) and must not leave the FIRST
// output behind either: a failed run writes no output file, all or nothing.
// RUN: rm -rf %t && mkdir -p %t/adir
// RUN: %mknpy values %t/len.npy --dtype i4 --shape 2 --values=2,5
// RUN: %expect_exit --absent %t/a.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/len.npy --input %t/len.npy \
// RUN:   --output %t/a.npy --output %t/adir | FileCheck %s -DT=%t
// CHECK: attn-run: error: output '[[T]]/adir'
// CHECK: expect_exit: OK exit code 1
func.func @main(%len: tensor<2xi32>, %big: tensor<2xi32>) -> (tensor<2x5xi1>, tensor<2x4xi1>) {
  %a = attn.mask_from_lengths %len size 5 : tensor<2xi32>
  %b = attn.mask_from_lengths %big size 4 : tensor<2xi32>
  return %a, %b : tensor<2x5xi1>, tensor<2x4xi1>
}
