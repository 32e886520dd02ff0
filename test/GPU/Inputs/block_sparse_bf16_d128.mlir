// Block-sparse attention, bf16, D 128, GQA 4:2, 64x64 blocks, all tables as arguments.
func.func @main(%q: tensor<1x4x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>,
                %idx: tensor<1x4x16x5xi32>, %cnt: tensor<1x4x16xi32>, %vbs: tensor<16xi32>) -> tensor<1x4x1024x128xbf16> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 64 block_kv 64
      : (tensor<1x4x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x4x16x5xi32>, tensor<1x4x16xi32>, tensor<16xi32>) -> tensor<1x4x1024x128xbf16>
  return %o : tensor<1x4x1024x128xbf16>
}
