// attn.block_mean with block_sizes (partial blocks, sizes 1..P incl. a full block): the mean is
// over the first block_sizes[j] tokens only, divided by that count; tokens past it (random
// here) must be ignored.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3,40,8
// RUN: %npy rand %t/r.npy --shape 3 --dtype i4 --low 1 --high 8
// RUN: %python -c "import numpy as np; np.save('%t/bs.npy', np.concatenate([[8, 1], np.load('%t/r.npy')]).astype(np.int32))"
// RUN: attn-run %s --input %t/x.npy --input %t/bs.npy --output %t/m.npy
// RUN: %npy check block_mean --inputs %t/x.npy,%t/bs.npy --outputs %t/m.npy --attrs '{"block":8}' | FileCheck %s
// CHECK: OK out
func.func @main(%x: tensor<2x3x40x8xf32>, %bs: tensor<5xi32>) -> tensor<2x3x5x8xf32> {
  %m = attn.block_mean %x, %bs block 8 : tensor<2x3x40x8xf32>, tensor<5xi32>
  return %m : tensor<2x3x5x8xf32>
}
