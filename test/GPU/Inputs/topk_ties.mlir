// block_topk alone (exact k, ascending ids, ties at the threshold to the
// lowest ids): compared on the GPU against the CPU path (gpu-check.sh).
func.func @main(%s: tensor<1x2x4x7xf32>) -> (tensor<1x2x4x3xi32>, tensor<1x2x4xi32>) {
  %idx, %cnt = attn.block_topk %s k 3 : tensor<1x2x4x7xf32>
  return %idx, %cnt : tensor<1x2x4x3xi32>, tensor<1x2x4xi32>
}
