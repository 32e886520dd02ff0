// An unknown --device value (and an empty one) is rejected, naming the choices
// and the value given; exit 1, no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --device bogus --input %t/x.npy --output %t/o.npy | FileCheck %s
// CHECK: attn-run: error: --device must be 'cpu' or 'cuda', got 'bogus'
// CHECK: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --device= --input %t/x.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=EMPTY
// EMPTY: attn-run: error: --device must be 'cpu' or 'cuda', got ''
// EMPTY: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
