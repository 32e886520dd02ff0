// attn.block_sparse where some query blocks have kv_counts 0: their rows are exactly 0 (no
// NaN); the other rows match the reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,32,8
// RUN: %npy rand %t/k.npy --shape 1,2,48,8
// RUN: %npy rand %t/v.npy --shape 1,2,48,8
// RUN: %python %S/Inputs/block_indices.py %t/idx.npy %t/cnt.npy --shape 1,2,4,3 --nkv 6 --zero-rows 3
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/idx.npy --input %t/cnt.npy --output %t/o.npy
// RUN: %python -c "import numpy as np; o = np.load('%t/o.npy'); c = np.load('%t/cnt.npy'); \
// RUN:   assert np.isfinite(o).all(), 'NaN/inf in output'; \
// RUN:   rows = np.repeat(c == 0, 8, axis=2); assert rows.sum() == 24; \
// RUN:   assert (o[rows] == 0).all(), 'count-0 rows are nonzero'; assert (o[~rows] != 0).any(); print('ZERO OK')" | FileCheck %s --check-prefix=ZERO
// RUN: %npy check block_sparse --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/idx.npy,%t/cnt.npy --outputs %t/o.npy --attrs '{"block_q":8,"block_kv":8}' | FileCheck %s
// ZERO: ZERO OK
// CHECK: OK out
func.func @main(%q: tensor<1x2x32x8xf32>, %k: tensor<1x2x48x8xf32>, %v: tensor<1x2x48x8xf32>,
                %idx: tensor<1x2x4x3xi32>, %cnt: tensor<1x2x4xi32>) -> tensor<1x2x32x8xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 8 block_kv 8
      : (tensor<1x2x32x8xf32>, tensor<1x2x48x8xf32>, tensor<1x2x48x8xf32>, tensor<1x2x4x3xi32>, tensor<1x2x4xi32>) -> tensor<1x2x32x8xf32>
  return %o : tensor<1x2x32x8xf32>
}
