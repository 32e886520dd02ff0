// Block-sparse attention with the rows' log-sum-exp, bf16, D 128, 64x64
// blocks, tables as arguments (empty rows give lse -inf): the lse variant of
// the wgmma kernel on sm_90a, of the mma.sync kernel with --wgmma=false.
func.func @main(%q: tensor<1x4x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>,
                %idx: tensor<1x4x16x5xi32>, %cnt: tensor<1x4x16xi32>, %vbs: tensor<16xi32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>) {
  %o, %lse = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 64 block_kv 64
      : (tensor<1x4x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x4x16x5xi32>, tensor<1x4x16xi32>, tensor<16xi32>) -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
  return %o, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>
}
