// attn.block_topk with k = 10 > Nkv = 4: every row selects all ids 0..3 ascending, count 4.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/s.npy --shape 1,2,3,4
// RUN: attn-run %s --input %t/s.npy --output %t/idx.npy --output %t/cnt.npy
// RUN: %python -c "import numpy as np; i = np.load('%t/idx.npy'); c = np.load('%t/cnt.npy'); \
// RUN:   assert i.shape == (1, 2, 3, 4) and (i == np.arange(4)).all(), i; \
// RUN:   assert c.shape == (1, 2, 3) and (c == 4).all(), c; print('ALL OK')" | FileCheck %s --check-prefix=ALL
// RUN: %npy check block_topk --inputs %t/s.npy --outputs %t/idx.npy,%t/cnt.npy --attrs '{"k":10}' | FileCheck %s
// ALL: ALL OK
// CHECK: OK kv_indices exact
// CHECK: OK kv_counts exact
func.func @main(%s: tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xi32>, tensor<1x2x3xi32>) {
  %idx, %cnt = attn.block_topk %s k 10 : tensor<1x2x3x4xf32>
  return %idx, %cnt : tensor<1x2x3x4xi32>, tensor<1x2x3xi32>
}
