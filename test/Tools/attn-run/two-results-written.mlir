// A valid run of an entry with 2 results of different types writes both files,
// in order: a bf16 result as <f4, an i1 result as |b1, each with its shape,
// readable by NumPy and holding the right values; no *.partial is left.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mknpy values %t/x.npy --dtype f4 --shape 1,1,8,4 \
// RUN:   --values=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
// RUN: %mknpy values %t/len.npy --dtype i4 --shape 2 --values=2,5
// RUN: attn-run %s --input %t/x.npy --input %t/len.npy --output %t/mean.npy --output %t/mask.npy
// RUN: %python -c "import numpy as np; a = np.load('%t/mean.npy'); print('mean', a.dtype.str, a.shape, a.tolist())" | FileCheck %s --check-prefix=MEAN
// MEAN: mean <f4 (1, 1, 2, 4) {{\[\[\[}}[6.0, 7.0, 8.0, 9.0], [22.0, 23.0, 24.0, 25.0]]]]
// RUN: %python -c "import numpy as np; a = np.load('%t/mask.npy'); print('mask', a.dtype.str, a.shape, a.tolist())" | FileCheck %s --check-prefix=MASK
// MASK: mask |b1 (2, 5) {{\[}}[True, True, False, False, False], [True, True, True, True, True]]
// RUN: %python -c "import glob, sys; sys.exit(1 if glob.glob('%t/*.partial') else 0)"
func.func @main(%x: tensor<1x1x8x4xbf16>, %len: tensor<2xi32>) -> (tensor<1x1x2x4xbf16>, tensor<2x5xi1>) {
  %m = attn.block_mean %x block 4 : tensor<1x1x8x4xbf16>
  %k = attn.mask_from_lengths %len size 5 : tensor<2xi32>
  return %m, %k : tensor<1x1x2x4xbf16>, tensor<2x5xi1>
}
