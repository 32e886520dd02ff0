// RUN: attn-opt %s -convert-attn-to-gpu-launches="wgmma=false" -verify-diagnostics

// VSA's fine stage over run-time-grid tiles is the sm_90a raster-tile
// kernel; without wgmma it is refused, naming why (with it, planned:
// test/Compile/attn-compile-run-time-grid-vsa.test).
func.func @main(%q: tensor<1x2x?x64xbf16>, %t: tensor<i64>, %kk: tensor<i64>) -> tensor<1x2x?x64xbf16> {
  %t64 = tensor.extract %t[] : tensor<i64>
  %ti = arith.index_cast %t64 : i64 to index
  %k64 = tensor.extract %kk[] : tensor<i64>
  %ki = arith.index_cast %k64 : i64 to index
  %qt = attn.tile %q grid [%ti, 8, 8] tile [4, 4, 4] : tensor<1x2x?x64xbf16>
  %vbs = attn.tile_block_sizes grid [%ti, 8, 8] tile [4, 4, 4]
  %m = attn.block_mean %qt, %vbs block 64 : tensor<1x2x?x64xbf16>, tensor<?xi32>
  %s = tensor.empty(%ti, %ti) : tensor<1x2x?x?xf32>
  %i, %c = attn.block_topk %s k %ki : tensor<1x2x?x?xf32>, index
  // expected-error @+1 {{attn-to-gpu: attn.block_sparse over tiles of a run-time grid is planned only as the raster-tile kernel, and this one does not fold: the raster-tile kernel is sm_90a's wgmma kernel (fold-layout, wgmma, chip sm_90a)}}
  %o = attn.block_sparse %qt, %qt, %qt, %i, %c, %vbs block_q 64 block_kv 64 : (tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x?xi32>, tensor<1x2x?xi32>, tensor<?xi32>) -> tensor<1x2x?x64xbf16>
  %u = attn.untile %o grid [%ti, 8, 8] tile [4, 4, 4] : tensor<1x2x?x64xbf16>
  return %u : tensor<1x2x?x64xbf16>
}
