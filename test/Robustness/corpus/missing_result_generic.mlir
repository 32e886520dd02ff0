func.func @f(%s: tensor<1x1x4x4xf32>) {
  %i = "attn.block_topk"(%s) <{k = 2 : i64}> : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x2xi32>
  return
}
