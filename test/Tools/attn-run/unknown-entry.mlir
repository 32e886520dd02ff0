// --entry naming no function with a body: the message lists the functions that
// can be run (bodies only: the external declaration @ext is not listed). An
// external declaration named by --entry is not runnable either.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --entry nope --input %t/x.npy --output %t/o.npy | FileCheck %s
// CHECK: attn-run: error: no function 'nope' with a body in the module (found: first, second){{$}}
// CHECK: expect_exit: OK exit code 1
// Without --entry the default is 'main', which this module lacks.
// RUN: %expect_exit -- attn-run %s --input %t/x.npy | FileCheck %s --check-prefix=MAIN
// MAIN: attn-run: error: no function 'main' with a body in the module (found: first, second){{$}}
// MAIN: expect_exit: OK exit code 1
// RUN: %expect_exit -- attn-run %s --entry ext --input %t/x.npy | FileCheck %s --check-prefix=EXT
// EXT: attn-run: error: no function 'ext' with a body in the module (found: first, second){{$}}
// EXT: expect_exit: OK exit code 1
func.func @first(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
func.func private @ext(tensor<2x3xf32>) -> tensor<2x3xf32>
func.func @second(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
