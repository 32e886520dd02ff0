// The backward of block-sparse attention, bf16, D 64, GQA 4:2, 64x64 blocks
// with tables, block sizes and empty rows as arguments (the dK/dV pass walks
// the transposed pattern).
func.func @main(%q: tensor<1x4x512x64xbf16>, %k: tensor<1x2x512x64xbf16>, %v: tensor<1x2x512x64xbf16>,
                %do: tensor<1x4x512x64xbf16>, %idx: tensor<1x4x8x3xi32>, %cnt: tensor<1x4x8xi32>, %vbs: tensor<8xi32>)
    -> (tensor<1x4x512x64xbf16>, tensor<1x2x512x64xbf16>, tensor<1x2x512x64xbf16>) {
  %dq, %dk, %dv = attn.block_sparse_grad %q, %k, %v, %do, %idx, %cnt, %vbs block_q 64 block_kv 64
      : (tensor<1x4x512x64xbf16>, tensor<1x2x512x64xbf16>, tensor<1x2x512x64xbf16>, tensor<1x4x512x64xbf16>, tensor<1x4x8x3xi32>, tensor<1x4x8xi32>, tensor<8xi32>)
      -> (tensor<1x4x512x64xbf16>, tensor<1x2x512x64xbf16>, tensor<1x2x512x64xbf16>)
  return %dq, %dk, %dv : tensor<1x4x512x64xbf16>, tensor<1x2x512x64xbf16>, tensor<1x2x512x64xbf16>
}
