// Dense attention with the rows' log-sum-exp, bf16, D 128, GQA 4:2, ragged
// lengths (1000 query rows, 900 keys: partial last blocks) and a key mask:
// the lse variant of the wgmma kernel on sm_90a, of the mma.sync kernel with
// --wgmma=false (scripts/gpu/check_artifacts.py).
func.func @main(%q: tensor<1x4x1000x128xbf16>, %k: tensor<1x2x900x128xbf16>, %v: tensor<1x2x900x128xbf16>,
                %km: tensor<1x900xi1>) -> (tensor<1x4x1000x128xbf16>, tensor<1x4x1000xf32>) {
  %o, %lse = attn.sdpa %q, %k, %v key_mask %km
      : (tensor<1x4x1000x128xbf16>, tensor<1x2x900x128xbf16>, tensor<1x2x900x128xbf16>, tensor<1x900xi1>) -> (tensor<1x4x1000x128xbf16>, tensor<1x4x1000xf32>)
  return %o, %lse : tensor<1x4x1000x128xbf16>, tensor<1x4x1000xf32>
}
