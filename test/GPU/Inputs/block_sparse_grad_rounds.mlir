// The backward of block-sparse attention with many candidates per kv block:
// GQA 8:1 and 18 query blocks give the dK/dV pass 144 (query head, table
// row) candidates, more than one round of 128; bf16, D 128, 1152 query
// rows, 640 keys, tables, block sizes and empty rows as arguments.
func.func @main(%q: tensor<1x8x1152x128xbf16>, %k: tensor<1x1x640x128xbf16>, %v: tensor<1x1x640x128xbf16>,
                %do: tensor<1x8x1152x128xbf16>, %idx: tensor<1x8x18x4xi32>, %cnt: tensor<1x8x18xi32>, %vbs: tensor<10xi32>)
    -> (tensor<1x8x1152x128xbf16>, tensor<1x1x640x128xbf16>, tensor<1x1x640x128xbf16>) {
  %dq, %dk, %dv = attn.block_sparse_grad %q, %k, %v, %do, %idx, %cnt, %vbs block_q 64 block_kv 64
      : (tensor<1x8x1152x128xbf16>, tensor<1x1x640x128xbf16>, tensor<1x1x640x128xbf16>, tensor<1x8x1152x128xbf16>, tensor<1x8x18x4xi32>, tensor<1x8x18xi32>, tensor<10xi32>)
      -> (tensor<1x8x1152x128xbf16>, tensor<1x1x640x128xbf16>, tensor<1x1x640x128xbf16>)
  return %dq, %dk, %dv : tensor<1x8x1152x128xbf16>, tensor<1x1x640x128xbf16>, tensor<1x1x640x128xbf16>
}
