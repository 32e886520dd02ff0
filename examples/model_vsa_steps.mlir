// A DiT-shaped module: 50 denoising steps around 30 layers. Each layer builds
// its text mask from the prompt lengths, tiles the video tokens, runs VSA,
// untiles, cross-attends to the text with the mask, and mixes the result
// into the residual stream with a token-wise op. Written the way the Python
// glue runs it: masks, tables and tile/untile inside both loops. Small shape
// (grid 1x3x5 in 1x2x2 tiles: 6 tiles, 4 of them partial; 1 head of dim 8;
// 4 text tokens) so that all 1500 layer evaluations run on CPU in seconds.
#tok = affine_map<(b, h, s, d) -> (b, h, s, d)>
func.func @main(%x0: tensor<1x1x15x8xf32>, %len: tensor<1xi32>,
                %txt: tensor<1x1x4x8xf32>) -> tensor<1x1x15x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %steps = arith.constant 50 : index
  %layers = arith.constant 30 : index
  %r = scf.for %s = %c0 to %steps step %c1 iter_args(%xs = %x0) -> tensor<1x1x15x8xf32> {
    %rl = scf.for %l = %c0 to %layers step %c1 iter_args(%x = %xs) -> tensor<1x1x15x8xf32> {
      %mask = attn.mask_from_lengths %len size 4 : tensor<1xi32>
      %vbs = arith.constant dense<[4, 4, 2, 2, 2, 1]> : tensor<6xi32>
      %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
      %a = attn.vsa %t, %t, %t q_block_sizes %vbs kv_block_sizes %vbs block 4 topk 2
          : (tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>,
             tensor<6xi32>, tensor<6xi32>) -> tensor<1x1x24x8xf32>
      %u = attn.untile %a grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
      %c = attn.sdpa %u, %txt, %txt key_mask %mask
          : (tensor<1x1x15x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>,
             tensor<1x4xi1>) -> tensor<1x1x15x8xf32>
      %e = tensor.empty() : tensor<1x1x15x8xf32>
      %y = linalg.generic {indexing_maps = [#tok, #tok, #tok],
                           iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
          ins(%x, %c : tensor<1x1x15x8xf32>, tensor<1x1x15x8xf32>)
          outs(%e : tensor<1x1x15x8xf32>) {
      ^bb0(%xi: f32, %ci: f32, %o: f32):
        %half = arith.constant 0.5 : f32
        %sum = arith.addf %xi, %ci : f32
        %avg = arith.mulf %sum, %half : f32
        linalg.yield %avg : f32
      } -> tensor<1x1x15x8xf32>
      scf.yield %y : tensor<1x1x15x8xf32>
    }
    scf.yield %rl : tensor<1x1x15x8xf32>
  }
  return %r : tensor<1x1x15x8xf32>
}
