// The backward of dense attention in f32, D 80 (three lanes' chunks, the
// last partial), 70 query rows, 45 keys.
func.func @main(%q: tensor<1x3x70x80xf32>, %k: tensor<1x3x45x80xf32>, %v: tensor<1x3x45x80xf32>,
                %do: tensor<1x3x70x80xf32>)
    -> (tensor<1x3x70x80xf32>, tensor<1x3x45x80xf32>, tensor<1x3x45x80xf32>) {
  %dq, %dk, %dv = attn.sdpa_grad %q, %k, %v, %do scale 0.2
      : (tensor<1x3x70x80xf32>, tensor<1x3x45x80xf32>, tensor<1x3x45x80xf32>, tensor<1x3x70x80xf32>)
      -> (tensor<1x3x70x80xf32>, tensor<1x3x45x80xf32>, tensor<1x3x45x80xf32>)
  return %dq, %dk, %dv : tensor<1x3x70x80xf32>, tensor<1x3x45x80xf32>, tensor<1x3x45x80xf32>
}
