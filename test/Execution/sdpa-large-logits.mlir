// attn.sdpa with logits of magnitude ~1e4 (integer-valued q, k in [-200, 200], head_dim 16, so
// scale 0.25 and every logit is exact in f32): the softmax must subtract the row max, the
// output must be finite and match the reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(); \
// RUN:   [np.save('%t/%%s.npy' %% n, r.integers(-200, 201, (1, 2, 16 if n == 'q' else 24, 16)).astype(np.float32)) for n in 'qk']"
// RUN: %npy rand %t/v.npy --shape 1,2,24,16
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o.npy
// RUN: %python -c "import numpy as np; q, k, o = [np.load('%t/%%s.npy' %% n) for n in 'qko']; \
// RUN:   s = np.abs(np.einsum('bhid,bhjd->bhij', q.astype(np.float64), k) * 0.25).max(); \
// RUN:   assert s > 5e3, 'logits too small: %%g' %% s; \
// RUN:   assert np.isfinite(o).all(), 'NaN/inf in output'; print('FINITE OK')" | FileCheck %s --check-prefix=FINITE
// RUN: %npy check sdpa --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o.npy | FileCheck %s
// FINITE: FINITE OK
// CHECK: OK out
func.func @main(%q: tensor<1x2x16x16xf32>, %k: tensor<1x2x24x16xf32>, %v: tensor<1x2x24x16xf32>) -> tensor<1x2x16x16xf32> {
  %o = attn.sdpa %q, %k, %v : (tensor<1x2x16x16xf32>, tensor<1x2x24x16xf32>, tensor<1x2x24x16xf32>) -> tensor<1x2x16x16xf32>
  return %o : tensor<1x2x16x16xf32>
}
