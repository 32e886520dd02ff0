// attn.tile / attn.untile on the SPEC example grid (1,3,5), tile (1,2,2): tile matches the
// reference bit-exactly with pad slots exactly 0 and the SPEC's slot order; untile (fed the
// tiled data through a separate argument, so its gather really runs) inverts it bit-exactly.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3,15,4
// RUN: attn-run %s --entry tile --input %t/x.npy --output %t/t.npy
// RUN: %npy check tile --inputs %t/x.npy --outputs %t/t.npy --attrs '{"grid":[1,3,5],"tile":[1,2,2]}' --exact | FileCheck %s --check-prefix=TILE
// RUN: %python -c "import numpy as np; x = np.load('%t/x.npy'); t = np.load('%t/t.npy'); \
// RUN:   src = [0,1,5,6, 2,3,7,8, 4,9, 10,11, 12,13, 14]; \
// RUN:   filled = [0,1,2,3, 4,5,6,7, 8,9, 12,13, 16,17, 20]; \
// RUN:   pad = [10,11, 14,15, 18,19, 21,22,23]; \
// RUN:   assert t.shape == (2,3,24,4), t.shape; \
// RUN:   assert (t[:,:,pad].view(np.uint32) == 0).all(), 'pad slot holds nonzero bits'; \
// RUN:   assert (t[:,:,filled] == x[:,:,src]).all(), 'slot order'; print('PAD OK')" | FileCheck %s --check-prefix=PAD
// RUN: attn-run %s --entry untile --input %t/t.npy --output %t/u.npy
// RUN: %npy equal %t/x.npy %t/u.npy
// Same round trip inside one function.
// RUN: attn-run %s --entry roundtrip --input %t/x.npy --output %t/r.npy
// RUN: %npy equal %t/x.npy %t/r.npy
// untile of arbitrary tiled data (pad slots not zero) only reads the filled slots.
// RUN: %npy rand %t/y.npy --shape 2,3,24,4
// RUN: attn-run %s --entry untile --input %t/y.npy --output %t/uy.npy
// RUN: %npy check untile --inputs %t/y.npy --outputs %t/uy.npy --attrs '{"grid":[1,3,5],"tile":[1,2,2]}' --exact | FileCheck %s --check-prefix=UNTILE
// TILE: OK out exact
// PAD: PAD OK
// UNTILE: OK out exact
func.func @tile(%x: tensor<2x3x15x4xf32>) -> tensor<2x3x24x4xf32> {
  %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<2x3x15x4xf32>
  return %t : tensor<2x3x24x4xf32>
}
func.func @untile(%t: tensor<2x3x24x4xf32>) -> tensor<2x3x15x4xf32> {
  %u = attn.untile %t grid [1, 3, 5] tile [1, 2, 2] : tensor<2x3x24x4xf32>
  return %u : tensor<2x3x15x4xf32>
}
func.func @roundtrip(%x: tensor<2x3x15x4xf32>) -> tensor<2x3x15x4xf32> {
  %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<2x3x15x4xf32>
  %u = attn.untile %t grid [1, 3, 5] tile [1, 2, 2] : tensor<2x3x24x4xf32>
  return %u : tensor<2x3x15x4xf32>
}
