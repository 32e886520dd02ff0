// attn.block_mean with a block size of 0: that block's mean is exactly 0 (no NaN from 0/0);
// the other blocks (partial) are the mean of their valid tokens.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 1,2,32,8
// RUN: %npy rand %t/r.npy --shape 3 --dtype i4 --low 1 --high 9
// RUN: %python -c "import numpy as np; r = np.load('%t/r.npy'); np.save('%t/bs.npy', np.array([r[0], 0, r[1], r[2]], np.int32))"
// RUN: attn-run %s --input %t/x.npy --input %t/bs.npy --output %t/m.npy
// RUN: %python -c "import numpy as np; x = np.load('%t/x.npy').astype(np.float64); bs = np.load('%t/bs.npy'); m = np.load('%t/m.npy'); \
// RUN:   assert np.isfinite(m).all(), 'NaN/inf in output'; \
// RUN:   assert (m[:, :, 1] == 0).all(), 'empty block mean is %%r' %% m[:, :, 1]; \
// RUN:   want = [x[:, :, 8 * j:8 * j + bs[j]].mean(axis=2) for j in (0, 2, 3)]; \
// RUN:   err = max(np.abs(m[:, :, j] - w).max() for j, w in zip((0, 2, 3), want)); \
// RUN:   assert err < 1e-5, err; print('EMPTY OK')" | FileCheck %s
// CHECK: EMPTY OK
func.func @main(%x: tensor<1x2x32x8xf32>, %bs: tensor<4xi32>) -> tensor<1x2x4x8xf32> {
  %m = attn.block_mean %x, %bs block 8 : tensor<1x2x32x8xf32>, tensor<4xi32>
  return %m : tensor<1x2x4x8xf32>
}
