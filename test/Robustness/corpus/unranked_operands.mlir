func.func @f(%q: tensor<*xf32>) {
  %o = attn.sdpa %q, %q, %q : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  return
}
