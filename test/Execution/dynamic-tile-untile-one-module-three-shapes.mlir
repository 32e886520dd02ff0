// One attn.tile / attn.untile module on the SPEC grid (1,3,5) with tile
// (1,2,2) and every dimension dynamic (the token count comes from the grid),
// run by attn-run at three batch/heads/head_dim shapes: tile matches the
// reference bit-exactly and untile inverts it bit-exactly. A sequence that is
// not T*H*W = 15 is refused at run time, exit 1, no output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x1.npy --shape 1,1,15,4
// RUN: %npy rand %t/x2.npy --shape 2,3,15,8
// RUN: %npy rand %t/x3.npy --shape 3,2,15,16
// RUN: attn-run %s --entry tile --input %t/x1.npy --output %t/t1.npy
// RUN: attn-run %s --entry tile --input %t/x2.npy --output %t/t2.npy
// RUN: attn-run %s --entry tile --input %t/x3.npy --output %t/t3.npy
// RUN: %npy check tile --inputs %t/x1.npy --outputs %t/t1.npy --attrs '{"grid":[1,3,5],"tile":[1,2,2]}' --exact | FileCheck %s
// RUN: %npy check tile --inputs %t/x2.npy --outputs %t/t2.npy --attrs '{"grid":[1,3,5],"tile":[1,2,2]}' --exact | FileCheck %s
// RUN: %npy check tile --inputs %t/x3.npy --outputs %t/t3.npy --attrs '{"grid":[1,3,5],"tile":[1,2,2]}' --exact | FileCheck %s
// CHECK: OK out
// RUN: attn-run %s --entry untile --input %t/t1.npy --output %t/u1.npy
// RUN: attn-run %s --entry untile --input %t/t2.npy --output %t/u2.npy
// RUN: attn-run %s --entry untile --input %t/t3.npy --output %t/u3.npy
// RUN: %npy equal %t/x1.npy %t/u1.npy
// RUN: %npy equal %t/x2.npy %t/u2.npy
// RUN: %npy equal %t/x3.npy %t/u3.npy
// RUN: %npy rand %t/x16.npy --shape 1,1,16,4
// RUN: not attn-run %s --entry tile --input %t/x16.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: attn-run: error: running 'tile' failed: run-time shape check failed: attn.tile: sequence length must equal the grid's T*H*W
// RUN: test ! -e %t/bad.npy
func.func @tile(%x: tensor<?x?x?x?xf32>) -> tensor<?x?x24x?xf32> {
  %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<?x?x?x?xf32>
  return %t : tensor<?x?x24x?xf32>
}
func.func @untile(%t: tensor<?x?x?x?xf32>) -> tensor<?x?x15x?xf32> {
  %x = attn.untile %t grid [1, 3, 5] tile [1, 2, 2] : tensor<?x?x?x?xf32>
  return %x : tensor<?x?x15x?xf32>
}
