// A <i8 (int64) file for an i32 argument is rejected with the argument's
// position, the expected type and .npy dtype, and what was given (exit 1).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3
// RUN: %mknpy values %t/n.npy --dtype i8 --shape 2 --values=1,2
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/x.npy --input %t/n.npy --output %t/o.npy | FileCheck %s
// CHECK: attn-run: error: argument #1 expects tensor<2xi32> (.npy dtype <i4, shape (2,)), got dtype <i8 with shape (2,)
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>, %n: tensor<2xi32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
