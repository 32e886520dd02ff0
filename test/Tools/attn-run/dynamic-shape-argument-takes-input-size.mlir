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
// A dynamic result may come back as a strided view (here a column slice of
// the input): it is written in row-major order with the run's shape.
// RUN: %python -c "import numpy as np; np.save('%t/a.npy', np.arange(20, dtype=np.float32).reshape(4, 5)); np.save('%t/want.npy', np.arange(20, dtype=np.float32).reshape(4, 5)[:, 1:3].copy())"
// RUN: attn-run %s --entry slice --input %t/a.npy --output %t/s.npy
// RUN: %npy equal %t/s.npy %t/want.npy
func.func @slice(%x: tensor<?x?xf32>) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %s = tensor.extract_slice %x[0, 1] [%n, 2] [1, 1] : tensor<?x?xf32> to tensor<?x2xf32>
  return %s : tensor<?x2xf32>
}
func.func @main(%x: tensor<2x3xf32>, %y: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %y : tensor<?x3xf32>
}
