// attn.tile / attn.untile on grid (5,7,3), tile (4,4,4), f16 data: every dimension is partial
// (vbs = [48, 36, 12, 9], padded length 256).
// tile matches the reference bit-exactly (pad slots exactly 0); untile, fed the tiled data
// through its own argument so its gather runs, gives back x bit-exactly.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 1,2,105,3 --dtype f2
// RUN: attn-run %s --entry tile --input %t/x.npy --output %t/t.npy
// RUN: %npy check tile --inputs %t/x.npy --outputs %t/t.npy --attrs '{"grid":[5,7,3],"tile":[4,4,4]}' --exact | FileCheck %s --check-prefix=TILE
// RUN: attn-run %s --entry untile --input %t/t.npy --output %t/u.npy
// RUN: %npy equal %t/x.npy %t/u.npy
// RUN: attn-run %s --entry roundtrip --input %t/x.npy --output %t/r.npy
// RUN: %npy equal %t/x.npy %t/r.npy
// RUN: %npy rand %t/y.npy --shape 1,2,256,3 --dtype f2
// RUN: attn-run %s --entry untile --input %t/y.npy --output %t/uy.npy
// RUN: %npy check untile --inputs %t/y.npy --outputs %t/uy.npy --attrs '{"grid":[5,7,3],"tile":[4,4,4]}' --exact | FileCheck %s --check-prefix=UNTILE
// TILE: OK out exact
// UNTILE: OK out exact
func.func @tile(%x: tensor<1x2x105x3xf16>) -> tensor<1x2x256x3xf16> {
  %t = attn.tile %x grid [5, 7, 3] tile [4, 4, 4] : tensor<1x2x105x3xf16>
  return %t : tensor<1x2x256x3xf16>
}
func.func @untile(%t: tensor<1x2x256x3xf16>) -> tensor<1x2x105x3xf16> {
  %u = attn.untile %t grid [5, 7, 3] tile [4, 4, 4] : tensor<1x2x256x3xf16>
  return %u : tensor<1x2x105x3xf16>
}
func.func @roundtrip(%x: tensor<1x2x105x3xf16>) -> tensor<1x2x105x3xf16> {
  %t = attn.tile %x grid [5, 7, 3] tile [4, 4, 4] : tensor<1x2x105x3xf16>
  %u = attn.untile %t grid [5, 7, 3] tile [4, 4, 4] : tensor<1x2x256x3xf16>
  return %u : tensor<1x2x105x3xf16>
}
