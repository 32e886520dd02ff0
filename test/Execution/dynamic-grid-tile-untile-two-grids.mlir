// attn.tile and attn.untile with the video grid given at run time (index
// operands from 0-d i64 inputs) and a dynamic sequence: one module run by
// attn-run at two grids, (2, 3, 5) (partial tiles along every dimension)
// and (4, 4, 4) (whole tiles), each result checked against the NumPy
// reference; untile's input is a tiled tensor. A sequence that is not the
// grid's T*H*W and a grid size of 0 are refused by the lowered code.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; [np.save('%t/' + n + '.npy', np.array(v, np.int64)) for n, v in (('t2', 2), ('h3', 3), ('w5', 5), ('four', 4), ('zero', 0))]"
// RUN: %npy rand %t/x1.npy --shape 1,2,30,8
// RUN: %npy rand %t/y1.npy --shape 1,2,64,8
// RUN: attn-run %s --input %t/x1.npy --input %t/y1.npy --input %t/t2.npy --input %t/h3.npy --input %t/w5.npy --output %t/tiled1.npy --output %t/raster1.npy
// RUN: %npy check tile --inputs %t/x1.npy --outputs %t/tiled1.npy --attrs '{"grid":[2,3,5],"tile":[2,2,4]}' | FileCheck %s --check-prefix=TILE
// RUN: %npy check untile --inputs %t/y1.npy --outputs %t/raster1.npy --attrs '{"grid":[2,3,5],"tile":[2,2,4]}' | FileCheck %s --check-prefix=UNTILE
// RUN: %npy rand %t/x2.npy --shape 2,2,64,8
// RUN: %npy rand %t/y2.npy --shape 2,2,64,8
// RUN: attn-run %s --input %t/x2.npy --input %t/y2.npy --input %t/four.npy --input %t/four.npy --input %t/four.npy --output %t/tiled2.npy --output %t/raster2.npy
// RUN: %npy check tile --inputs %t/x2.npy --outputs %t/tiled2.npy --attrs '{"grid":[4,4,4],"tile":[2,2,4]}' | FileCheck %s --check-prefix=TILE
// RUN: %npy check untile --inputs %t/y2.npy --outputs %t/raster2.npy --attrs '{"grid":[4,4,4],"tile":[2,2,4]}' | FileCheck %s --check-prefix=UNTILE
// TILE: OK out
// UNTILE: OK out
// RUN: not attn-run %s --input %t/x2.npy --input %t/y1.npy --input %t/t2.npy --input %t/h3.npy --input %t/w5.npy --output %t/bad1.npy --output %t/bad2.npy 2>&1 | FileCheck %s --check-prefix=SEQ
// SEQ: run-time shape check failed: attn.tile: sequence length must equal the grid's T*H*W
// RUN: not attn-run %s --input %t/x1.npy --input %t/y1.npy --input %t/zero.npy --input %t/h3.npy --input %t/w5.npy --output %t/bad1.npy --output %t/bad2.npy 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: run-time shape check failed: attn.tile: grid sizes must be >= 1
func.func @main(%x: tensor<?x2x?x8xf32>, %y: tensor<?x2x?x8xf32>, %t: tensor<i64>, %h: tensor<i64>, %w: tensor<i64>)
    -> (tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>) {
  %t64 = tensor.extract %t[] : tensor<i64>
  %h64 = tensor.extract %h[] : tensor<i64>
  %w64 = tensor.extract %w[] : tensor<i64>
  %ti = arith.index_cast %t64 : i64 to index
  %hi = arith.index_cast %h64 : i64 to index
  %wi = arith.index_cast %w64 : i64 to index
  %tiled = attn.tile %x grid [%ti, %hi, %wi] tile [2, 2, 4] : tensor<?x2x?x8xf32>
  %raster = attn.untile %y grid [%ti, %hi, %wi] tile [2, 2, 4] : tensor<?x2x?x8xf32>
  return %tiled, %raster : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
}
