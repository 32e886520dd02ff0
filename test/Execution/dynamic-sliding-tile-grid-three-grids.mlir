// One attn.sliding_tile module whose tile grid is three run-time sizes (and
// the batch, sequence and text length too), run by attn-run at three grids
// against the NumPy reference: attn-plan-sparsity computes each query
// tile's clamped window per call from the grid (arithmetic, no table
// planned per canvas). Per-head windows [1, 1, 3] and [3, 3, 1] (tile 1x2x4,
// P = 8): grid 2x2x3 with no text (a window wider than the grid's h and
// t covers them), 1x3x4 with 13 text tokens of which 11 are valid, and
// 3x1x2 at batch 2 with 20 text tokens, all valid. Then bad runs: a grid
// size of 0 and a grid larger than the sequence are refused by the lowered
// code, naming the relation, exit 1.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; [np.save('%t/' + n + '.npy', np.array(v, np.int64)) for n, v in (('g0', 0), ('g1', 1), ('g2', 2), ('g3', 3), ('g4', 4), ('n0', 0), ('n11', 11), ('n20', 20))]"
// RUN: %npy rand %t/q1.npy --shape 1,2,96,8
// RUN: %npy rand %t/k1.npy --shape 1,2,96,8
// RUN: %npy rand %t/v1.npy --shape 1,2,96,8
// RUN: attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/g2.npy --input %t/g2.npy --input %t/g3.npy --input %t/n0.npy --output %t/o1.npy
// RUN: %npy check sliding_tile --inputs %t/q1.npy,%t/k1.npy,%t/v1.npy --outputs %t/o1.npy --attrs '{"tile_grid":[2,2,3],"tile":[1,2,4],"windows":[1,1,3,3,3,1],"text_length":0}' | FileCheck %s
// RUN: %npy rand %t/q2.npy --shape 1,2,109,8
// RUN: %npy rand %t/k2.npy --shape 1,2,109,8
// RUN: %npy rand %t/v2.npy --shape 1,2,109,8
// RUN: attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/g1.npy --input %t/g3.npy --input %t/g4.npy --input %t/n11.npy --output %t/o2.npy
// RUN: %npy check sliding_tile --inputs %t/q2.npy,%t/k2.npy,%t/v2.npy --outputs %t/o2.npy --attrs '{"tile_grid":[1,3,4],"tile":[1,2,4],"windows":[1,1,3,3,3,1],"text_length":11}' | FileCheck %s
// RUN: %npy rand %t/q3.npy --shape 2,2,68,8
// RUN: %npy rand %t/k3.npy --shape 2,2,68,8
// RUN: %npy rand %t/v3.npy --shape 2,2,68,8
// RUN: attn-run %s --input %t/q3.npy --input %t/k3.npy --input %t/v3.npy --input %t/g3.npy --input %t/g1.npy --input %t/g2.npy --input %t/n20.npy --output %t/o3.npy
// RUN: %npy check sliding_tile --inputs %t/q3.npy,%t/k3.npy,%t/v3.npy --outputs %t/o3.npy --attrs '{"tile_grid":[3,1,2],"tile":[1,2,4],"windows":[1,1,3,3,3,1],"text_length":20}' | FileCheck %s
// CHECK: OK out
// RUN: not attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/g2.npy --input %t/g0.npy --input %t/g3.npy --input %t/n0.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: attn-run: error: running 'main' failed: run-time shape check failed: attn.sliding_tile: tile_grid sizes must be >= 1
// RUN: not attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/g3.npy --input %t/g2.npy --input %t/g3.npy --input %t/n0.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: attn-run: error: running 'main' failed: run-time shape check failed: attn.sliding_tile: the sequence is shorter than the image tokens
func.func @main(%q: tensor<?x2x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>,
                %gt: tensor<i64>, %gh: tensor<i64>, %gw: tensor<i64>, %n: tensor<i64>) -> tensor<?x2x?x8xf32> {
  %t64 = tensor.extract %gt[] : tensor<i64>
  %h64 = tensor.extract %gh[] : tensor<i64>
  %w64 = tensor.extract %gw[] : tensor<i64>
  %len = tensor.extract %n[] : tensor<i64>
  %ti = arith.index_cast %t64 : i64 to index
  %hi = arith.index_cast %h64 : i64 to index
  %wi = arith.index_cast %w64 : i64 to index
  %o = attn.sliding_tile %q, %k, %v tile_grid [%ti, %hi, %wi] tile [1, 2, 4]
      windows [1, 1, 3, 3, 3, 1] text_length %len
      : (tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, index, index, index, i64) -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}
