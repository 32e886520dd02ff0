// attn.sage_sdpa and attn.sage_block_sparse parse and print back (GQA, a
// scale); the verifiers name what is wrong, as attn.sdpa's and
// attn.block_sparse's do: mismatched k/v, a bad scale, a kv list longer than
// the kv blocks.
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

// -----

// CHECK-LABEL: func.func @block_sparse(
// CHECK: attn.sage_block_sparse %arg0, %arg1, %arg2, %arg3, %arg4 block_q 64 block_kv 64 : (tensor<1x2x128x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x2x3xi32>, tensor<1x2x2xi32>) -> tensor<1x2x128x64xbf16>
func.func @block_sparse(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>, %i: tensor<1x2x2x3xi32>, %c: tensor<1x2x2xi32>) -> tensor<1x2x128x64xbf16> {
  %o = attn.sage_block_sparse %q, %k, %v, %i, %c block_q 64 block_kv 64 : (tensor<1x2x128x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x2x3xi32>, tensor<1x2x2xi32>) -> tensor<1x2x128x64xbf16>
  return %o : tensor<1x2x128x64xbf16>
}

// -----

func.func @block_sparse_too_many(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x256x64xbf16>, %i: tensor<1x2x2x5xi32>, %c: tensor<1x2x2xi32>) {
  // expected-error @+1 {{'attn.sage_block_sparse' op operand 'kv_indices' lists K = 5 blocks per row, more than the Nkv = 4 kv blocks}}
  %o = attn.sage_block_sparse %q, %k, %k, %i, %c block_q 64 block_kv 64 : (tensor<1x2x128x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x2x5xi32>, tensor<1x2x2xi32>) -> tensor<1x2x128x64xbf16>
  return
}
