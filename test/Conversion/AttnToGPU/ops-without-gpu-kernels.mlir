// V-MoBA's chunk ops, SVG2's cluster ops and attn.sage_sdpa have no GPU
// kernels yet: the GPU planner names the op and says where it runs instead
// of failing without a reason.
// RUN: attn-opt %s -split-input-file --attn-optimize -convert-attn-to-gpu-launches -verify-diagnostics

func.func @main(%q: tensor<1x2x192x16xbf16>, %k: tensor<1x2x192x16xbf16>) -> tensor<1x2x2x16xf32> {
  // expected-error @+1 {{attn-to-gpu: 'attn.chunk_mean' (V-MoBA) has no GPU kernels yet; it runs on the CPU path (docs/VMoBA.md)}}
  %m = attn.chunk_mean %k grid [4, 6, 8] chunk [2, 6, 8] : tensor<1x2x192x16xbf16>
  return %m : tensor<1x2x2x16xf32>
}

// -----

func.func @main(%x: tensor<1x2x96x16xbf16>, %c: tensor<1x2x6x16xf32>) -> tensor<1x2x96xi32> {
  // expected-error @+1 {{attn-to-gpu: 'attn.kmeans' (SVG2) has no GPU kernels yet; it runs on the CPU path (docs/SVG2.md)}}
  %l, %m, %s = attn.kmeans %x, %c iterations 2 : tensor<1x2x96x16xbf16>, tensor<1x2x6x16xf32>
  return %l : tensor<1x2x96xi32>
}

// -----

func.func @main(%q: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  // expected-error @+1 {{attn-to-gpu: 'attn.sage_sdpa' (quantized attention) has no GPU kernel yet; it runs on the CPU path as an emulation (docs/Sage.md)}}
  %o = attn.sage_sdpa %q, %q, %q : (tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}
