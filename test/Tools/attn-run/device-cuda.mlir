// --device cuda in a build without the GPU runtime: a clear error that says
// so and points at --device cpu; exit exactly 1, no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --device cuda --input %t/x.npy --output %t/o.npy | FileCheck %s
// CHECK: attn-run: error: --device cuda is not available in this build: it has no GPU runtime; use --device cpu
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
