// attn.tile / attn.untile on grid (1,8,8), tile (4,4,4): 64 tokens but 4 partial tiles of 16
// (padded length 256; padding follows each dimension's remainder).
// tile matches the reference bit-exactly (pad slots exactly 0); untile, fed the tiled data
// through its own argument so its gather runs, gives back x bit-exactly.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 1,2,64,3 --dtype f4
// RUN: attn-run %s --entry tile --input %t/x.npy --output %t/t.npy
// RUN: %npy check tile --inputs %t/x.npy --outputs %t/t.npy --attrs '{"grid":[1,8,8],"tile":[4,4,4]}' --exact | FileCheck %s --check-prefix=TILE
// RUN: attn-run %s --entry untile --input %t/t.npy --output %t/u.npy
// RUN: %npy equal %t/x.npy %t/u.npy
// RUN: attn-run %s --entry roundtrip --input %t/x.npy --output %t/r.npy
// RUN: %npy equal %t/x.npy %t/r.npy
// RUN: %npy rand %t/y.npy --shape 1,2,256,3 --dtype f4
// RUN: attn-run %s --entry untile --input %t/y.npy --output %t/uy.npy
// RUN: %npy check untile --inputs %t/y.npy --outputs %t/uy.npy --attrs '{"grid":[1,8,8],"tile":[4,4,4]}' --exact | FileCheck %s --check-prefix=UNTILE
// TILE: OK out exact
// UNTILE: OK out exact
func.func @tile(%x: tensor<1x2x64x3xf32>) -> tensor<1x2x256x3xf32> {
  %t = attn.tile %x grid [1, 8, 8] tile [4, 4, 4] : tensor<1x2x64x3xf32>
  return %t : tensor<1x2x256x3xf32>
}
func.func @untile(%t: tensor<1x2x256x3xf32>) -> tensor<1x2x64x3xf32> {
  %u = attn.untile %t grid [1, 8, 8] tile [4, 4, 4] : tensor<1x2x256x3xf32>
  return %u : tensor<1x2x64x3xf32>
}
func.func @roundtrip(%x: tensor<1x2x64x3xf32>) -> tensor<1x2x64x3xf32> {
  %t = attn.tile %x grid [1, 8, 8] tile [4, 4, 4] : tensor<1x2x64x3xf32>
  %u = attn.untile %t grid [1, 8, 8] tile [4, 4, 4] : tensor<1x2x256x3xf32>
  return %u : tensor<1x2x64x3xf32>
}
