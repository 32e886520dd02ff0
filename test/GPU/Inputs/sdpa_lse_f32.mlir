// Dense attention with the rows' log-sum-exp in f32, D 80 (the SIMT kernel's
// lse variant), 70 query rows, 45 keys and a key mask that leaves batch 1
// with no valid key (its rows: out 0, lse -inf).
func.func @main(%q: tensor<2x3x70x80xf32>, %k: tensor<2x3x45x80xf32>, %v: tensor<2x3x45x80xf32>,
                %km: tensor<2x45xi1>) -> (tensor<2x3x70x80xf32>, tensor<2x3x70xf32>) {
  %o, %lse = attn.sdpa %q, %k, %v key_mask %km
      : (tensor<2x3x70x80xf32>, tensor<2x3x45x80xf32>, tensor<2x3x45x80xf32>, tensor<2x45xi1>) -> (tensor<2x3x70x80xf32>, tensor<2x3x70xf32>)
  return %o, %lse : tensor<2x3x70x80xf32>, tensor<2x3x70xf32>
}
