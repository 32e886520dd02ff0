// attn.block_sparse ignores kv_indices entries past kv_counts, even when they hold garbage
// (-1, 999: out of range): same result as with those entries zeroed, and matches the reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,2,24,8
// RUN: %npy rand %t/k.npy --shape 1,2,48,8
// RUN: %npy rand %t/v.npy --shape 1,2,48,8
// RUN: %python %S/Inputs/block_indices.py %t/idx.npy %t/cnt.npy --shape 1,2,3,4 --nkv 6 --min-count 0 --max-count 3 --fill=-1,999
// RUN: %python -c "import numpy as np; i = np.load('%t/idx.npy'); c = np.load('%t/cnt.npy'); \
// RUN:   past = np.arange(4) >= c[..., None]; assert (i[past] == -1).any() and (i[past] == 999).any(); \
// RUN:   np.save('%t/idx0.npy', np.where(past, 0, i).astype(np.int32))"
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/idx.npy --input %t/cnt.npy --output %t/o.npy
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/idx0.npy --input %t/cnt.npy --output %t/o0.npy
// RUN: %npy equal %t/o.npy %t/o0.npy
// RUN: %npy check block_sparse --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/idx.npy,%t/cnt.npy --outputs %t/o.npy --attrs '{"block_q":8,"block_kv":8}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<1x2x24x8xf32>, %k: tensor<1x2x48x8xf32>, %v: tensor<1x2x48x8xf32>,
                %idx: tensor<1x2x3x4xi32>, %cnt: tensor<1x2x3xi32>) -> tensor<1x2x24x8xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 8 block_kv 8
      : (tensor<1x2x24x8xf32>, tensor<1x2x48x8xf32>, tensor<1x2x48x8xf32>, tensor<1x2x3x4xi32>, tensor<1x2x3xi32>) -> tensor<1x2x24x8xf32>
  return %o : tensor<1x2x24x8xf32>
}
