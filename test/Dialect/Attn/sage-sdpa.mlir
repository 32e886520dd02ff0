// attn.sage_sdpa parses and prints back (GQA, a scale); the verifier names
// what is wrong, as attn.sdpa's does: mismatched k/v, a bad scale.
// RUN: attn-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @gqa(
// CHECK: attn.sage_sdpa %arg0, %arg1, %arg2 scale 1.250000e-01 : (tensor<1x8x64x64xbf16>, tensor<1x2x80x64xbf16>, tensor<1x2x80x64xbf16>) -> tensor<1x8x64x64xbf16>
func.func @gqa(%q: tensor<1x8x64x64xbf16>, %k: tensor<1x2x80x64xbf16>, %v: tensor<1x2x80x64xbf16>) -> tensor<1x8x64x64xbf16> {
  %o = attn.sage_sdpa %q, %k, %v scale 0.125 : (tensor<1x8x64x64xbf16>, tensor<1x2x80x64xbf16>, tensor<1x2x80x64xbf16>) -> tensor<1x8x64x64xbf16>
  return %o : tensor<1x8x64x64xbf16>
}

// -----

func.func @kv_mismatch(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x80x64xbf16>, %v: tensor<1x2x81x64xbf16>) {
  // expected-error @+1 {{'attn.sage_sdpa' op operand 'v' shape [1, 2, 81, 64] must match 'k' shape [1, 2, 80, 64]}}
  %o = attn.sage_sdpa %q, %k, %v : (tensor<1x2x64x64xbf16>, tensor<1x2x80x64xbf16>, tensor<1x2x81x64xbf16>) -> tensor<1x2x64x64xbf16>
  return
}

// -----

func.func @bad_scale(%q: tensor<1x2x64x64xbf16>) {
  // expected-error @+1 {{'attn.sage_sdpa' op attribute 'scale' must be a positive finite f32, got -1}}
  %o = attn.sage_sdpa %q, %q, %q scale -1.0 : (tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16>
  return
}
