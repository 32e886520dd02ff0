// attn.lse_merge of two attn.sdpa halves of the keys, bf16, D 128, GQA 4:2,
// 300 query rows, 200 + 260 keys with key masks (check_artifacts.py leaves
// batch 0 without a valid key in the first half and batch 1 without any):
// the merge is two linalg kernels after the attention kernels' lse
// variants; (out, lse) equal attention over all 460 keys
// (scripts/gpu/check_artifacts.py, case_lse_merge).
func.func @main(%q: tensor<2x4x300x128xbf16>, %k1: tensor<2x2x200x128xbf16>, %v1: tensor<2x2x200x128xbf16>,
                %m1: tensor<2x200xi1>, %k2: tensor<2x2x260x128xbf16>, %v2: tensor<2x2x260x128xbf16>,
                %m2: tensor<2x260xi1>) -> (tensor<2x4x300x128xbf16>, tensor<2x4x300xf32>) {
  %o1, %l1 = attn.sdpa %q, %k1, %v1 key_mask %m1
      : (tensor<2x4x300x128xbf16>, tensor<2x2x200x128xbf16>, tensor<2x2x200x128xbf16>, tensor<2x200xi1>) -> (tensor<2x4x300x128xbf16>, tensor<2x4x300xf32>)
  %o2, %l2 = attn.sdpa %q, %k2, %v2 key_mask %m2
      : (tensor<2x4x300x128xbf16>, tensor<2x2x260x128xbf16>, tensor<2x2x260x128xbf16>, tensor<2x260xi1>) -> (tensor<2x4x300x128xbf16>, tensor<2x4x300xf32>)
  %o, %l = attn.lse_merge %o1, %o2 lse %l1, %l2
      : (tensor<2x4x300x128xbf16>, tensor<2x4x300x128xbf16>, tensor<2x4x300xf32>, tensor<2x4x300xf32>) -> (tensor<2x4x300x128xbf16>, tensor<2x4x300xf32>)
  return %o, %l : tensor<2x4x300x128xbf16>, tensor<2x4x300xf32>
}
