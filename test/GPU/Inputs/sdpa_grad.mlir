// The backward of dense attention, bf16, D 128, GQA 4:2, ragged lengths
// (200 query rows, 300 keys) and a key mask (check_artifacts.py leaves
// batch 1 with no valid key: its gradients are 0): the mma.sync backward
// kernels (dQ pass, then dK/dV pass; --grad-tensor-cores=true), and the
// SIMT ones as sdpa_grad_simt (scripts/gpu/make_artifacts.sh).
func.func @main(%q: tensor<2x4x200x128xbf16>, %k: tensor<2x2x300x128xbf16>, %v: tensor<2x2x300x128xbf16>,
                %do: tensor<2x4x200x128xbf16>, %m: tensor<2x300xi1>)
    -> (tensor<2x4x200x128xbf16>, tensor<2x2x300x128xbf16>, tensor<2x2x300x128xbf16>) {
  %dq, %dk, %dv = attn.sdpa_grad %q, %k, %v, %do key_mask %m
      : (tensor<2x4x200x128xbf16>, tensor<2x2x300x128xbf16>, tensor<2x2x300x128xbf16>, tensor<2x4x200x128xbf16>, tensor<2x300xi1>)
      -> (tensor<2x4x200x128xbf16>, tensor<2x2x300x128xbf16>, tensor<2x2x300x128xbf16>)
  return %dq, %dk, %dv : tensor<2x4x200x128xbf16>, tensor<2x2x300x128xbf16>, tensor<2x2x300x128xbf16>
}
