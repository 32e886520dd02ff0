// attn.block_sparse with kv_block_sizes: only the first kv_block_sizes[j] keys of kv block j
// count; sizes include 0 (block contributes nothing), full and partial. A row whose selected
// blocks are all empty is 0.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 2,2,32,8
// RUN: %npy rand %t/k.npy --shape 2,2,48,8
// RUN: %npy rand %t/v.npy --shape 2,2,48,8
// RUN: %npy rand %t/r.npy --shape 3 --dtype i4 --low 1 --high 8
// RUN: %python -c "import numpy as np; r = np.load('%t/r.npy'); \
// RUN:   np.save('%t/vbs.npy', np.random.default_rng().permutation(np.array([0, 8, 0, *r], np.int32)))"
// RUN: %python %S/Inputs/block_indices.py %t/idx.npy %t/cnt.npy --shape 2,2,4,4 --nkv 6
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/idx.npy --input %t/cnt.npy --input %t/vbs.npy --output %t/o.npy
// RUN: %npy check block_sparse --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/idx.npy,%t/cnt.npy,%t/vbs.npy --outputs %t/o.npy --attrs '{"block_q":8,"block_kv":8}' | FileCheck %s
// CHECK: OK out
// A query block that selects only the two empty blocks gets exactly 0.
// RUN: %python -c "import numpy as np; s = np.load('%t/vbs.npy'); e = np.nonzero(s == 0)[0]; \
// RUN:   i = np.load('%t/idx.npy'); c = np.load('%t/cnt.npy'); i[0, 1, 2, :2] = e; c[0, 1, 2] = 2; \
// RUN:   np.save('%t/idx2.npy', i); np.save('%t/cnt2.npy', c)"
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/idx2.npy --input %t/cnt2.npy --input %t/vbs.npy --output %t/o2.npy
// RUN: %python -c "import numpy as np; o = np.load('%t/o2.npy'); assert np.isfinite(o).all(), 'NaN/inf'; \
// RUN:   assert (o[0, 1, 16:24] == 0).all(), 'empty-block row is nonzero'; print('EMPTY OK')" | FileCheck %s --check-prefix=EMPTY
// RUN: %npy check block_sparse --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/idx2.npy,%t/cnt2.npy,%t/vbs.npy --outputs %t/o2.npy --attrs '{"block_q":8,"block_kv":8}' | FileCheck %s
// EMPTY: EMPTY OK
func.func @main(%q: tensor<2x2x32x8xf32>, %k: tensor<2x2x48x8xf32>, %v: tensor<2x2x48x8xf32>,
                %idx: tensor<2x2x4x4xi32>, %cnt: tensor<2x2x4xi32>, %vbs: tensor<6xi32>) -> tensor<2x2x32x8xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 8 block_kv 8
      : (tensor<2x2x32x8xf32>, tensor<2x2x48x8xf32>, tensor<2x2x48x8xf32>, tensor<2x2x4x4xi32>, tensor<2x2x4xi32>, tensor<6xi32>) -> tensor<2x2x32x8xf32>
  return %o : tensor<2x2x32x8xf32>
}
