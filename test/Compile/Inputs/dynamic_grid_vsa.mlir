// The Wan VSA layer for every video grid and top-k: q, k, v, gate raster
// [B, 12, T*H*W, 128] bf16 with B and the length dynamic, the grid (T, H, W)
// and topk as size arguments (0-d i64 tensors).
func.func @main(%q: tensor<?x12x?x128xbf16>, %k: tensor<?x12x?x128xbf16>, %v: tensor<?x12x?x128xbf16>, %g: tensor<?x12x?x128xbf16>,
                %t: tensor<i64>, %h: tensor<i64>, %w: tensor<i64>, %topk: tensor<i64>) -> tensor<?x12x?x128xbf16> {
  %t64 = tensor.extract %t[] : tensor<i64>
  %h64 = tensor.extract %h[] : tensor<i64>
  %w64 = tensor.extract %w[] : tensor<i64>
  %k64 = tensor.extract %topk[] : tensor<i64>
  %ti = arith.index_cast %t64 : i64 to index
  %hi = arith.index_cast %h64 : i64 to index
  %wi = arith.index_cast %w64 : i64 to index
  %ki = arith.index_cast %k64 : i64 to index
  %qt = attn.tile %q grid [%ti, %hi, %wi] tile [4, 4, 4] : tensor<?x12x?x128xbf16>
  %kt = attn.tile %k grid [%ti, %hi, %wi] tile [4, 4, 4] : tensor<?x12x?x128xbf16>
  %vt = attn.tile %v grid [%ti, %hi, %wi] tile [4, 4, 4] : tensor<?x12x?x128xbf16>
  %gt = attn.tile %g grid [%ti, %hi, %wi] tile [4, 4, 4] : tensor<?x12x?x128xbf16>
  %vbs = attn.tile_block_sizes grid [%ti, %hi, %wi] tile [4, 4, 4]
  %o = attn.vsa %qt, %kt, %vt gate %gt q_block_sizes %vbs kv_block_sizes %vbs block 64 topk %ki
      : (tensor<?x12x?x128xbf16>, tensor<?x12x?x128xbf16>, tensor<?x12x?x128xbf16>, tensor<?x12x?x128xbf16>,
         tensor<?xi32>, tensor<?xi32>, index) -> tensor<?x12x?x128xbf16>
  %out = attn.untile %o grid [%ti, %hi, %wi] tile [4, 4, 4] : tensor<?x12x?x128xbf16>
  return %out : tensor<?x12x?x128xbf16>
}
