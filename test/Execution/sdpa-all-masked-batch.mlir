// attn.sdpa where batch 1's key mask is all false: every row of that batch is exactly 0 (no
// NaN); the other batches (random masks) match the reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 3,2,8,8
// RUN: %npy rand %t/k.npy --shape 3,2,12,8
// RUN: %npy rand %t/v.npy --shape 3,2,12,8
// RUN: %npy rand %t/m0.npy --shape 3,12 --dtype b1
// RUN: %python -c "import numpy as np; m = np.load('%t/m0.npy'); m[1] = False; m[0, 0] = True; m[2, 5] = True; np.save('%t/m.npy', m)"
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/m.npy --output %t/o.npy
// RUN: %python -c "import numpy as np; o = np.load('%t/o.npy'); \
// RUN:   assert np.isfinite(o).all(), 'NaN/inf in output'; \
// RUN:   assert (o[1] == 0).all(), 'masked batch is nonzero: %%r' %% o[1][o[1] != 0][:4]; \
// RUN:   assert (o[0] != 0).any() and (o[2] != 0).any(); print('ZERO OK')" | FileCheck %s --check-prefix=ZERO
// RUN: %npy check sdpa --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/m.npy --outputs %t/o.npy | FileCheck %s
// ZERO: ZERO OK
// CHECK: OK out
func.func @main(%q: tensor<3x2x8x8xf32>, %k: tensor<3x2x12x8xf32>, %v: tensor<3x2x12x8xf32>, %m: tensor<3x12xi1>) -> tensor<3x2x8x8xf32> {
  %o = attn.sdpa %q, %k, %v key_mask %m : (tensor<3x2x8x8xf32>, tensor<3x2x12x8xf32>, tensor<3x2x12x8xf32>, tensor<3x12xi1>) -> tensor<3x2x8x8xf32>
  return %o : tensor<3x2x8x8xf32>
}
