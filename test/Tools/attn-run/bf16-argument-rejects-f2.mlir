// A bf16 argument takes <f4 data only: a <f2 (float16) file is a wrong dtype,
// reported with the position, the bf16 type and the .npy dtype it expects.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/h.npy --shape 2,3 --dtype f2
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/h.npy --output %t/o.npy | FileCheck %s
// CHECK: attn-run: error: argument #0 expects tensor<2x3xbf16> (.npy dtype <f4, shape (2, 3)), got dtype <f2 with shape (2, 3)
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xbf16>) -> tensor<2x3xbf16> {
  return %x : tensor<2x3xbf16>
}
