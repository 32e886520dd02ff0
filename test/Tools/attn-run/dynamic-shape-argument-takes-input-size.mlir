// A dynamic dim (`?`) of an argument takes the size of its input; the static
// dims, the rank and the dtype are still checked, naming the argument and the
// expected type. A result with a dynamic dim is written with the run's shape.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x23.npy --shape 2,3
// RUN: %npy rand %t/x53.npy --shape 5,3
// RUN: %npy rand %t/x54.npy --shape 5,4
// RUN: %npy rand %t/x3.npy --shape 3
// RUN: attn-run %s --input %t/x23.npy --input %t/x53.npy --output %t/o.npy
// RUN: %npy equal %t/o.npy %t/x53.npy
// RUN: %expect_exit --absent %t/bad.npy -- \
// RUN:   attn-run %s --input %t/x23.npy --input %t/x54.npy --output %t/bad.npy \
// RUN:   | FileCheck %s --check-prefix=DIM
// DIM: attn-run: error: argument #1 expects tensor<?x3xf32> (.npy dtype <f4, shape (?, 3)), got dtype <f4 with shape (5, 4)
// DIM: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/bad.npy -- \
// RUN:   attn-run %s --input %t/x23.npy --input %t/x3.npy --output %t/bad.npy \
// RUN:   | FileCheck %s --check-prefix=RANK
// RANK: attn-run: error: argument #1 expects tensor<?x3xf32> (.npy dtype <f4, shape (?, 3)), got dtype <f4 with shape (3,)
// RANK: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x3xf32>, %y: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %y : tensor<?x3xf32>
}
