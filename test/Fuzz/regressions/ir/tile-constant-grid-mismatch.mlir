// attn.tile with a constant run-time grid size whose static grid (3, 2, 2)
// does not match the static input's 16 tokens: canonicalization moved the
// constant into the static grid and type inference failed (LLVM ERROR:
// Failed to infer result type(s)); it now leaves the operand (the run-time
// check reports the mismatch).
func.func @main(%x: tensor<1x1x16x8xf32>) -> tensor<1x1x?x8xf32> {
  %c3 = arith.constant 3 : index
  %y = attn.tile %x grid [%c3, 2, 2] tile [1, 2, 2] : tensor<1x1x16x8xf32>
  return %y : tensor<1x1x?x8xf32>
}
