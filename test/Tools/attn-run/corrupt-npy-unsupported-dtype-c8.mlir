// A well-formed .npy file of a dtype attn-run does not take (<c8, complex64):
// the message names the argument, the expected type and the dtype given; exit 1.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mknpy values %t/c.npy --dtype c8 --shape 2,3 --values=0,1,2,3,4,5
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/c.npy --output %t/o.npy | FileCheck %s -DT=%t
// CHECK: attn-run: error: argument #0 expects tensor<2x3xf32> (.npy dtype <f4, shape (2, 3)), got dtype <c8 with shape (2, 3)
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
