// A Wan2.1-style VSA attention module at a small shape that runs on CPU in
// seconds: a 2x6x10 latent token grid in 4x4x4 tiles (6 tiles of 64 slots,
// 4 of them partial), 2 heads of dim 32, sparsity 0.5 -> topk 3.
// RUN-like usage: attn-opt examples/wan_vsa_small.mlir --canonicalize
func.func @main(%q: tensor<1x2x120x32xf32>, %k: tensor<1x2x120x32xf32>,
                %v: tensor<1x2x120x32xf32>, %gate: tensor<1x2x120x32xf32>)
    -> tensor<1x2x120x32xf32> {
  %qt = attn.tile %q grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x32xf32>
  %kt = attn.tile %k grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x32xf32>
  %vt = attn.tile %v grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x32xf32>
  %gt = attn.tile %gate grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x32xf32>
  %vbs = arith.constant dense<[32, 32, 16, 16, 16, 8]> : tensor<6xi32>
  %o = attn.vsa %qt, %kt, %vt gate %gt q_block_sizes %vbs kv_block_sizes %vbs
      block 64 topk 3
      : (tensor<1x2x384x32xf32>, tensor<1x2x384x32xf32>, tensor<1x2x384x32xf32>,
         tensor<1x2x384x32xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x2x384x32xf32>
  %out = attn.untile %o grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x384x32xf32>
  return %out : tensor<1x2x120x32xf32>
}
