// One tile -> attn.vsa -> untile module for every video grid: the grid is
// given at run time (index operands from 0-d i64 inputs), the tiles' valid
// token counts come from attn.tile_block_sizes, the sequence is dynamic.
// Run by attn-run at two grids, (2, 6, 10) (partial tiles) and (4, 4, 8)
// (whole tiles), plain and with --optimize, against the reference pipeline;
// a grid whose T*H*W is not the sequence is refused.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; [np.save('%t/' + n + '.npy', np.array(v, np.int64)) for n, v in (('g2', 2), ('g6', 6), ('g10', 10), ('g4', 4), ('g8', 8))]"
// RUN: %npy rand %t/q1.npy --shape 1,2,120,8
// RUN: %npy rand %t/k1.npy --shape 1,2,120,8
// RUN: %npy rand %t/v1.npy --shape 1,2,120,8
// RUN: attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/g2.npy --input %t/g6.npy --input %t/g10.npy --output %t/o1.npy
// RUN: %python %S/Inputs/vsa_pipeline_ref.py --q %t/q1.npy --k %t/k1.npy --v %t/v1.npy --grid 2,6,10 --tile 4,4,4 --topk 2 --out %t/o1.npy | FileCheck %s
// RUN: attn-run %s --optimize --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/g2.npy --input %t/g6.npy --input %t/g10.npy --output %t/o1opt.npy
// RUN: %python %S/Inputs/vsa_pipeline_ref.py --q %t/q1.npy --k %t/k1.npy --v %t/v1.npy --grid 2,6,10 --tile 4,4,4 --topk 2 --out %t/o1opt.npy | FileCheck %s
// RUN: %npy rand %t/q2.npy --shape 2,2,128,8
// RUN: %npy rand %t/k2.npy --shape 2,2,128,8
// RUN: %npy rand %t/v2.npy --shape 2,2,128,8
// RUN: attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/g4.npy --input %t/g4.npy --input %t/g8.npy --output %t/o2.npy
// RUN: %python %S/Inputs/vsa_pipeline_ref.py --q %t/q2.npy --k %t/k2.npy --v %t/v2.npy --grid 4,4,8 --tile 4,4,4 --topk 2 --out %t/o2.npy | FileCheck %s
// CHECK: OK out
// RUN: not attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/g2.npy --input %t/g6.npy --input %t/g10.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: run-time shape check failed: attn.tile: sequence length must equal the grid's T*H*W
func.func @main(%q: tensor<?x2x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>,
                %t: tensor<i64>, %h: tensor<i64>, %w: tensor<i64>) -> tensor<?x2x?x8xf32> {
  %t64 = tensor.extract %t[] : tensor<i64>
  %h64 = tensor.extract %h[] : tensor<i64>
  %w64 = tensor.extract %w[] : tensor<i64>
  %ti = arith.index_cast %t64 : i64 to index
  %hi = arith.index_cast %h64 : i64 to index
  %wi = arith.index_cast %w64 : i64 to index
  %qt = attn.tile %q grid [%ti, %hi, %wi] tile [4, 4, 4] : tensor<?x2x?x8xf32>
  %kt = attn.tile %k grid [%ti, %hi, %wi] tile [4, 4, 4] : tensor<?x2x?x8xf32>
  %vt = attn.tile %v grid [%ti, %hi, %wi] tile [4, 4, 4] : tensor<?x2x?x8xf32>
  %vbs = attn.tile_block_sizes grid [%ti, %hi, %wi] tile [4, 4, 4]
  %o = attn.vsa %qt, %kt, %vt q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 2
      : (tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>,
         tensor<?xi32>, tensor<?xi32>) -> tensor<?x2x?x8xf32>
  %out = attn.untile %o grid [%ti, %hi, %wi] tile [4, 4, 4] : tensor<?x2x?x8xf32>
  return %out : tensor<?x2x?x8xf32>
}
