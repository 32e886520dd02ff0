// An --input path that does not exist: the message names the path and the
// reason, exit 1, no output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/nope.npy --output %t/o.npy | FileCheck %s -DT=%t
// CHECK: attn-run: error: input '[[T]]/nope.npy': cannot read file: No such file or directory
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
