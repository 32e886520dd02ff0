// A .npy file cut off inside its header (the header length points past the end).
// Reported with the file's path, exit 1, no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mknpy corrupt truncated-header %t/bad.npy
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/bad.npy --output %t/o.npy | FileCheck %s -DT=%t
// CHECK: attn-run: error: input '[[T]]/bad.npy': truncated header
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
