// A .npy file with 4 of its 24 data bytes missing: the message gives both counts.
// Reported with the file's path, exit 1, no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mknpy corrupt truncated-data %t/bad.npy
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/bad.npy --output %t/o.npy | FileCheck %s -DT=%t
// CHECK: attn-run: error: input '[[T]]/bad.npy': expected 24 data bytes for dtype <f4 and shape (2, 3), found 20 (truncated or corrupt file)
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
