// The backward of VSA's fine stage at the flash bench's shape (B1 H12
// S32768 D128 bf16, 64x64 blocks, run-time tables of 64 of 512 blocks a
// row: 12.5% kept), for bench/gpu_grad_bench.py.
func.func @main(%q: tensor<1x12x32768x128xbf16>, %k: tensor<1x12x32768x128xbf16>, %v: tensor<1x12x32768x128xbf16>,
                %do: tensor<1x12x32768x128xbf16>, %idx: tensor<1x12x512x64xi32>, %cnt: tensor<1x12x512xi32>)
    -> (tensor<1x12x32768x128xbf16>, tensor<1x12x32768x128xbf16>, tensor<1x12x32768x128xbf16>) {
  %dq, %dk, %dv = attn.block_sparse_grad %q, %k, %v, %do, %idx, %cnt block_q 64 block_kv 64
      : (tensor<1x12x32768x128xbf16>, tensor<1x12x32768x128xbf16>, tensor<1x12x32768x128xbf16>, tensor<1x12x32768x128xbf16>, tensor<1x12x512x64xi32>, tensor<1x12x512xi32>)
      -> (tensor<1x12x32768x128xbf16>, tensor<1x12x32768x128xbf16>, tensor<1x12x32768x128xbf16>)
  return %dq, %dk, %dv : tensor<1x12x32768x128xbf16>, tensor<1x12x32768x128xbf16>, tensor<1x12x32768x128xbf16>
}
