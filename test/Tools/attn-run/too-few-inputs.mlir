// Fewer --input files than the entry has arguments: a clear count error, exit
// code 1, and no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/x.npy --output %t/o.npy | FileCheck %s
// CHECK: attn-run: error: 'main' takes 2 argument(s) but 1 --input file(s) were given
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
