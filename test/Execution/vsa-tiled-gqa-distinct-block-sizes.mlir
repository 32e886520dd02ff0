// attn.vsa on tiled tokens with batch 2, GQA 4:2 and q_block_sizes != kv_block_sizes (incl. a
// size-1 query tile and a full tile), with gate, vs the reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 2,4,256,8
// RUN: %npy rand %t/k.npy --shape 2,2,256,8
// RUN: %npy rand %t/v.npy --shape 2,2,256,8
// RUN: %npy rand %t/g.npy --shape 2,4,256,8
// RUN: %npy rand %t/r.npy --shape 4 --dtype i4 --low 1 --high 65
// RUN: %python -c "import numpy as np; r = np.load('%t/r.npy'); \
// RUN:   np.save('%t/qbs.npy', np.array([64, 1, r[0], r[1]], np.int32)); np.save('%t/kvbs.npy', np.array([r[2], 64, r[3], 3], np.int32))"
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/g.npy --input %t/qbs.npy --input %t/kvbs.npy --output %t/o.npy
// RUN: %npy check vsa --inputs %t/q.npy,%t/k.npy,%t/v.npy,%t/g.npy,%t/qbs.npy,%t/kvbs.npy --outputs %t/o.npy --attrs '{"block":64,"topk":2}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<2x4x256x8xf32>, %k: tensor<2x2x256x8xf32>, %v: tensor<2x2x256x8xf32>,
                %g: tensor<2x4x256x8xf32>, %qbs: tensor<4xi32>, %kvbs: tensor<4xi32>) -> tensor<2x4x256x8xf32> {
  %o = attn.vsa %q, %k, %v gate %g q_block_sizes %qbs kv_block_sizes %kvbs block 64 topk 2
      : (tensor<2x4x256x8xf32>, tensor<2x2x256x8xf32>, tensor<2x2x256x8xf32>,
         tensor<2x4x256x8xf32>, tensor<4xi32>, tensor<4xi32>) -> tensor<2x4x256x8xf32>
  return %o : tensor<2x4x256x8xf32>
}
