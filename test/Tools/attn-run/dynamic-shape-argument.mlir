// An entry with a dynamically shaped argument cannot take .npy data: a clear
// error naming the argument, the function and the type; exit 1, no output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/x.npy --input %t/x.npy --output %t/o.npy | FileCheck %s
// CHECK: attn-run: error: argument #1 of 'main' has type tensor<?x3xf32>; attn-run supports statically shaped tensors of f32, f16, bf16, i32, i64 and i1
// CHECK: expect_exit: OK exit code 1
// A dynamic result is refused the same way.
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --entry dynres --input %t/x.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=RES
// RES: attn-run: error: result #0 of 'dynres' has type tensor<?x3xf32>; attn-run supports
// RES: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>, %y: tensor<?x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
func.func @dynres(%x: tensor<2x3xf32>) -> tensor<?x3xf32> {
  %y = tensor.cast %x : tensor<2x3xf32> to tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
