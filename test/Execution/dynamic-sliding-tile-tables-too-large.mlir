// The tables a dynamic STA plan computes per call are [B, H, Nb, Nb]
// (Nb = image tiles + text blocks): a sequence that would need more than
// 32768 blocks is refused by the lowered code with the reason, before any
// table is allocated, instead of failing an allocation. Tile 1x1x1 (one
// token a block): 40000 tokens are 40000 blocks.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; [np.save('%t/' + n + '.npy', np.array(v, np.int64)) for n, v in (('g1', 1), ('g2', 2), ('n0', 0))]"
// RUN: %npy rand %t/big.npy --shape 1,1,40000,1
// RUN: not attn-run %s --input %t/big.npy --input %t/big.npy --input %t/big.npy --input %t/g2.npy --input %t/g1.npy --input %t/g2.npy --input %t/n0.npy --output %t/bad.npy 2>&1 | FileCheck %s
// CHECK: attn-run: error: running 'main' failed: run-time shape check failed: attn.sliding_tile: the per-call block tables are too large (they need Nb <= 32768 blocks, image tiles + text blocks, and B*H*Nb*Nb <= 2147483648 entries)
func.func @main(%q: tensor<1x1x?x1xf32>, %k: tensor<1x1x?x1xf32>, %v: tensor<1x1x?x1xf32>,
                %gt: tensor<i64>, %gh: tensor<i64>, %gw: tensor<i64>, %n: tensor<i64>) -> tensor<1x1x?x1xf32> {
  %t64 = tensor.extract %gt[] : tensor<i64>
  %h64 = tensor.extract %gh[] : tensor<i64>
  %w64 = tensor.extract %gw[] : tensor<i64>
  %len = tensor.extract %n[] : tensor<i64>
  %ti = arith.index_cast %t64 : i64 to index
  %hi = arith.index_cast %h64 : i64 to index
  %wi = arith.index_cast %w64 : i64 to index
  %o = attn.sliding_tile %q, %k, %v tile_grid [%ti, %hi, %wi] tile [1, 1, 1] window [1, 1, 1] text_length %len
      : (tensor<1x1x?x1xf32>, tensor<1x1x?x1xf32>, tensor<1x1x?x1xf32>, index, index, index, i64) -> tensor<1x1x?x1xf32>
  return %o : tensor<1x1x?x1xf32>
}
