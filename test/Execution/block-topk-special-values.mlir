// attn.block_topk on rows with NaN (both signs), +-inf, -0.0/+0.0 and ties, k = 3, on the CPU
// path: SPEC's order (torch.topk's) is NaN above +inf above every finite value above -inf,
// +0.0 ties with -0.0, NaNs tie with each other, and ties go to the lowest id. Checked
// against literal expectations and against the independent NumPy reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; n, i = np.nan, np.inf; s = np.array([[[ \
// RUN:   [n, -i, -i, -i, -i, -i, -i], [-i, i, 1, n, 0, -n, -1], [-0.0, 0.0, -1, 0.0, -i, -0.0, 5], \
// RUN:   [-i, -i, -i, -i, -i, -i, -i], [i, i, n, i, 0, 0, 0], [-1, -0.0, n, -2, 0.0, -i, -3]]]], np.float32); \
// RUN:   np.save('%t/s.npy', s)"
// RUN: attn-run %s --input %t/s.npy --output %t/idx.npy --output %t/cnt.npy
// RUN: %python -c "import numpy as np; i = np.load('%t/idx.npy'); c = np.load('%t/cnt.npy'); \
// RUN:   assert i.tolist() == [[[[0, 1, 2], [1, 3, 5], [0, 1, 6], [0, 1, 2], [0, 1, 2], [1, 2, 4]]]], i.tolist(); \
// RUN:   assert c.tolist() == [[[3] * 6]], c.tolist(); print('SPECIAL OK')" | FileCheck %s --check-prefix=SPECIAL
// RUN: %npy check block_topk --inputs %t/s.npy --outputs %t/idx.npy,%t/cnt.npy --attrs '{"k":3}' | FileCheck %s
// SPECIAL: SPECIAL OK
// CHECK: OK kv_indices exact
// CHECK: OK kv_counts exact
func.func @main(%s: tensor<1x1x6x7xf32>) -> (tensor<1x1x6x3xi32>, tensor<1x1x6xi32>) {
  %idx, %cnt = attn.block_topk %s k 3 : tensor<1x1x6x7xf32>
  return %idx, %cnt : tensor<1x1x6x3xi32>, tensor<1x1x6xi32>
}
