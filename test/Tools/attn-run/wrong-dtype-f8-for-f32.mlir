// A <f8 (float64) file for an f32 argument is a wrong dtype: SPEC requires the
// message to give the argument's position and the expected type (exit 1).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3
// RUN: %mknpy values %t/d.npy --dtype f8 --shape 2,3 --values=0,1,2,3,4,5
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/x.npy --input %t/d.npy --output %t/o.npy | FileCheck %s
// CHECK: attn-run: error:
// CHECK-SAME: argument #1
// CHECK-SAME: tensor<2x3xf32>
// CHECK-SAME: <f8
// CHECK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
