func.func @f(%q: tensor<1x1x128x8xf32>) {
  %o = "attn.vsa"(%q, %q, %q) <{block = 64 : i64, topk = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, -1, 1, 0>}> : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>) -> tensor<1x1x128x8xf32>
  return
}
