func.func @f(%q: tensor<1x1x128x8xf32>, %i: tensor<1x1x2x2xi32>, %c: tensor<1x1x2xi32>) {
  %o = attn.block_sparse %q, %q, %q, %i, %c block_q 9223372036854775807 block_kv -9223372036854775808 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> tensor<1x1x128x8xf32>
  return
}
