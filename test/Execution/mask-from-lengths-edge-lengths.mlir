// attn.mask_from_lengths (mask[b,j] = j < len[b]) with lengths 0, S, > S (up to INT32_MAX) and
// negative (down to INT32_MIN), plus random lengths in [-3, S+3], against the reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/r.npy --shape 4 --dtype i4 --low -3 --high 16
// RUN: %python -c "import numpy as np; r = np.load('%t/r.npy'); \
// RUN:   np.save('%t/len.npy', np.concatenate([np.array([0, 12, 13, 1000, -1, -2147483648, 2147483647, 5], np.int32), r]))"
// RUN: attn-run %s --input %t/len.npy --output %t/m.npy
// RUN: %npy check mask_from_lengths --inputs %t/len.npy --outputs %t/m.npy --attrs '{"size":12}' | FileCheck %s
// RUN: %python -c "import numpy as np; m = np.load('%t/m.npy'); assert m.dtype == np.bool_, m.dtype; \
// RUN:   assert m[0].sum() == 0 and m[1].all() and m[2].all() and m[3].all(); \
// RUN:   assert m[4].sum() == 0 and m[5].sum() == 0 and m[6].all() and m[7].sum() == 5; print('EDGES OK')" | FileCheck %s --check-prefix=EDGES
// CHECK: OK mask exact
// EDGES: EDGES OK
func.func @main(%len: tensor<12xi32>) -> tensor<12x12xi1> {
  %m = attn.mask_from_lengths %len size 12 : tensor<12xi32>
  return %m : tensor<12x12xi1>
}
