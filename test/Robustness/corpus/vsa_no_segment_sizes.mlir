func.func @f(%q: tensor<1x1x128x8xf32>) {
  %o = "attn.vsa"(%q, %q, %q) <{block = 64 : i64, topk = 1 : i64}> : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>) -> tensor<1x1x128x8xf32>
  return
}
