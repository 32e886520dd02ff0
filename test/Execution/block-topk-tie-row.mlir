// attn.block_topk on the adversarial tie row [10, 0.0196533203125 x5, -10] with k = 3 selects
// exactly [0, 1, 2] (ties go to the lowest id); a row of all-equal scores selects [0, 1, 2];
// a row whose ties sit below the threshold keeps the strict winners.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; t = 0.0196533203125; s = np.array([[[ \
// RUN:   [10, t, t, t, t, t, -10], [1, 1, 1, 1, 1, 1, 1], [-10, t, t, 10, t, 11, t], [t, t, t, t, t, -10, 10]]]], np.float32); \
// RUN:   np.save('%t/s.npy', s)"
// RUN: attn-run %s --input %t/s.npy --output %t/idx.npy --output %t/cnt.npy
// RUN: %python -c "import numpy as np; i = np.load('%t/idx.npy'); c = np.load('%t/cnt.npy'); \
// RUN:   assert i.dtype == np.int32 and c.dtype == np.int32; \
// RUN:   assert i.tolist() == [[[[0, 1, 2], [0, 1, 2], [1, 3, 5], [0, 1, 6]]]], i.tolist(); \
// RUN:   assert c.tolist() == [[[3, 3, 3, 3]]], c.tolist(); print('TIES OK')" | FileCheck %s --check-prefix=TIES
// RUN: %npy check block_topk --inputs %t/s.npy --outputs %t/idx.npy,%t/cnt.npy --attrs '{"k":3}' | FileCheck %s
// TIES: TIES OK
// CHECK: OK kv_indices exact
// CHECK: OK kv_counts exact
func.func @main(%s: tensor<1x1x4x7xf32>) -> (tensor<1x1x4x3xi32>, tensor<1x1x4xi32>) {
  %idx, %cnt = attn.block_topk %s k 3 : tensor<1x1x4x7xf32>
  return %idx, %cnt : tensor<1x1x4x3xi32>, tensor<1x1x4xi32>
}
