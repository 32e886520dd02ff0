// A |b1 file holding a byte 2: not a valid boolean, rejected rather than read as true.
// Reported with the file's path, exit 1, no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mknpy corrupt b1-byte2 %t/bad.npy
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/bad.npy --output %t/o.npy | FileCheck %s -DT=%t
// CHECK: attn-run: error: input '[[T]]/bad.npy': boolean array holds a byte other than 0 or 1
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xi1>) -> tensor<2x3xi1> {
  return %x : tensor<2x3xi1>
}
