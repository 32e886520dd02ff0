// A .mlir file that does not parse: MLIR's diagnostic with file:line:col, then
// attn-run's own error line; exit 1, no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/x.npy --output %t/o.npy | FileCheck %s -DFILE=%s
// CHECK: [[FILE]]:[[@LINE+4]]:{{[0-9]+}}: error: expected '>' in tensor type
// CHECK: attn-run: error: could not parse '[[FILE]]'
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32
}
