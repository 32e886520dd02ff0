// The backward of block-sparse attention with big tiles, f16, D 128, GQA
// 4:2: 128 query rows x 192 keys a table entry (the tensor-core backward
// reads them as 64 x 64 sub-blocks: 2 query blocks a table row, 3 kv blocks
// a listed tile), tables, tile sizes (0..192) and empty rows as arguments.
func.func @main(%q: tensor<1x4x384x128xf16>, %k: tensor<1x2x576x128xf16>, %v: tensor<1x2x576x128xf16>,
                %do: tensor<1x4x384x128xf16>, %idx: tensor<1x4x3x2xi32>, %cnt: tensor<1x4x3xi32>, %vbs: tensor<3xi32>)
    -> (tensor<1x4x384x128xf16>, tensor<1x2x576x128xf16>, tensor<1x2x576x128xf16>) {
  %dq, %dk, %dv = attn.block_sparse_grad %q, %k, %v, %do, %idx, %cnt, %vbs block_q 128 block_kv 192
      : (tensor<1x4x384x128xf16>, tensor<1x2x576x128xf16>, tensor<1x2x576x128xf16>, tensor<1x4x384x128xf16>, tensor<1x4x3x2xi32>, tensor<1x4x3xi32>, tensor<3xi32>)
      -> (tensor<1x4x384x128xf16>, tensor<1x2x576x128xf16>, tensor<1x2x576x128xf16>)
  return %dq, %dk, %dv : tensor<1x4x384x128xf16>, tensor<1x2x576x128xf16>, tensor<1x2x576x128xf16>
}
