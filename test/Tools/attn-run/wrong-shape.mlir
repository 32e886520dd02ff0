// Right dtype, wrong shape (transposed, and wrong rank): the message gives the
// argument's position, the expected type and shape, and the shape given.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3
// RUN: %npy rand %t/t.npy --shape 3,2
// RUN: %npy rand %t/r.npy --shape 6
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/x.npy --input %t/t.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=TRANSPOSED
// TRANSPOSED: attn-run: error: argument #1 expects tensor<2x3xf32> (.npy dtype <f4, shape (2, 3)), got dtype <f4 with shape (3, 2)
// TRANSPOSED: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/r.npy --input %t/x.npy --output %t/o.npy \
// RUN:   | FileCheck %s --check-prefix=RANK
// RANK: attn-run: error: argument #0 expects tensor<2x3xf32> (.npy dtype <f4, shape (2, 3)), got dtype <f4 with shape (6,)
// RANK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
