// STA whose tile grid is three size arguments (and the text length one):
// the CPU path runs it (test/Execution/dynamic-sliding-tile-grid-three-grids.mlir);
// the GPU path does not plan it yet (docs/DynamicShapes.md).
func.func @main(%q: tensor<?x2x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>,
                %gt: tensor<i64>, %gh: tensor<i64>, %gw: tensor<i64>, %n: tensor<i64>) -> tensor<?x2x?x128xbf16> {
  %t64 = tensor.extract %gt[] : tensor<i64>
  %h64 = tensor.extract %gh[] : tensor<i64>
  %w64 = tensor.extract %gw[] : tensor<i64>
  %len = tensor.extract %n[] : tensor<i64>
  %ti = arith.index_cast %t64 : i64 to index
  %hi = arith.index_cast %h64 : i64 to index
  %wi = arith.index_cast %w64 : i64 to index
  %o = attn.sliding_tile %q, %k, %v tile_grid [%ti, %hi, %wi] tile [6, 8, 8] window [3, 3, 3] text_length %len
      : (tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>, index, index, index, i64) -> tensor<?x2x?x128xbf16>
  return %o : tensor<?x2x?x128xbf16>
}
