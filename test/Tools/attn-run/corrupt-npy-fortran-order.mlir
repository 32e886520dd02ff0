// A valid but Fortran-order .npy file: not supported, said so (not silently transposed).
// Reported with the file's path, exit 1, no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mknpy corrupt fortran-order %t/bad.npy
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/bad.npy --output %t/o.npy | FileCheck %s -DT=%t
// CHECK: attn-run: error: input '[[T]]/bad.npy': Fortran-order arrays are not supported
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
