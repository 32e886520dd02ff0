// V-MoBA's chunk ops parse, infer their result types and print back
// (temporal, spatial and spatiotemporal chunks; an edge chunk smaller than
// the others; dynamic batch and heads); the verifiers name what is wrong:
// a sequence that is not the grid's T*H*W, a chunk larger than the grid,
// both or neither of topk/threshold, topk 0, key means of the wrong chunk
// count or element type, a selection of the wrong shape, mismatched k/v.
// RUN: attn-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @layer(
// CHECK: %[[M:.*]] = attn.chunk_mean %arg1 grid [4, 6, 8] chunk [2, 6, 8] : tensor<1x2x192x16xbf16>
// CHECK: %[[S:.*]] = attn.chunk_select %arg0, %[[M]] grid [4, 6, 8] chunk [2, 6, 8] threshold 2.500000e-01 : tensor<1x2x192x16xbf16>, tensor<1x2x2x16xf32>
// CHECK: attn.chunk_attention %arg0, %arg1, %arg2, %[[S]] grid [4, 6, 8] chunk [2, 6, 8] : (tensor<1x2x192x16xbf16>, tensor<1x2x192x16xbf16>, tensor<1x2x192x16xbf16>, tensor<1x2x192x2xi1>) -> tensor<1x2x192x16xbf16>
func.func @layer(%q: tensor<1x2x192x16xbf16>, %k: tensor<1x2x192x16xbf16>, %v: tensor<1x2x192x16xbf16>) -> tensor<1x2x192x16xbf16> {
  %m = attn.chunk_mean %k grid [4, 6, 8] chunk [2, 6, 8] : tensor<1x2x192x16xbf16>
  %s = attn.chunk_select %q, %m grid [4, 6, 8] chunk [2, 6, 8] threshold 0.25 : tensor<1x2x192x16xbf16>, tensor<1x2x2x16xf32>
  %o = attn.chunk_attention %q, %k, %v, %s grid [4, 6, 8] chunk [2, 6, 8] : (tensor<1x2x192x16xbf16>, tensor<1x2x192x16xbf16>, tensor<1x2x192x16xbf16>, tensor<1x2x192x2xi1>) -> tensor<1x2x192x16xbf16>
  return %o : tensor<1x2x192x16xbf16>
}

// -----

// Spatial chunks of 3 x 4 on a 6 x 8 grid over 5 frames: 2 x 2 chunks; an
// edge chunk along t for (2, 3, 4) chunks: ceil(5/2) * 2 * 2 = 12.
// CHECK-LABEL: func.func @counts(
// CHECK-SAME: -> (tensor<?x?x4x16xf32>, tensor<?x?x240x12xi1>)
// CHECK: attn.chunk_mean %arg0 grid [5, 6, 8] chunk [5, 3, 4] : tensor<?x?x240x16xf32>
// CHECK: attn.chunk_mean %arg0 grid [5, 6, 8] chunk [2, 3, 4] : tensor<?x?x240x16xf32>
// CHECK: attn.chunk_select %arg1, %{{.*}} grid [5, 6, 8] chunk [2, 3, 4] topk 3 : tensor<?x?x240x16xf32>, tensor<?x?x12x16xf32>
func.func @counts(%k: tensor<?x?x240x16xf32>, %q: tensor<?x?x240x16xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x?x240x12xi1>) {
  %a = attn.chunk_mean %k grid [5, 6, 8] chunk [5, 3, 4] : tensor<?x?x240x16xf32>
  %b = attn.chunk_mean %k grid [5, 6, 8] chunk [2, 3, 4] : tensor<?x?x240x16xf32>
  %s = attn.chunk_select %q, %b grid [5, 6, 8] chunk [2, 3, 4] topk 3 : tensor<?x?x240x16xf32>, tensor<?x?x12x16xf32>
  return %a, %s : tensor<?x?x4x16xf32>, tensor<?x?x240x12xi1>
}

// -----

func.func @wrong_sequence(%k: tensor<1x2x100x16xf32>) {
  // expected-error @+1 {{'attn.chunk_mean' op operand 'input' sequence length 100 must equal the grid's token count T*H*W = 192}}
  %m = attn.chunk_mean %k grid [4, 6, 8] chunk [2, 6, 8] : tensor<1x2x100x16xf32>
  return
}

// -----

func.func @chunk_too_big(%k: tensor<1x2x192x16xf32>) {
  // expected-error @+1 {{'attn.chunk_mean' op attribute 'chunk' entry 1 must be in [1, 6], got 7}}
  %m = attn.chunk_mean %k grid [4, 6, 8] chunk [2, 7, 8] : tensor<1x2x192x16xf32>
  return
}

// -----

func.func @both_modes(%q: tensor<1x2x192x16xf32>, %m: tensor<1x2x2x16xf32>) {
  // expected-error @+1 {{'attn.chunk_select' op requires exactly one of attribute 'topk' and attribute 'threshold'}}
  %s = attn.chunk_select %q, %m grid [4, 6, 8] chunk [2, 6, 8] topk 2 threshold 0.25 : tensor<1x2x192x16xf32>, tensor<1x2x2x16xf32>
  return
}

// -----

func.func @no_mode(%q: tensor<1x2x192x16xf32>, %m: tensor<1x2x2x16xf32>) {
  // expected-error @+1 {{'attn.chunk_select' op requires exactly one of attribute 'topk' and attribute 'threshold'}}
  %s = attn.chunk_select %q, %m grid [4, 6, 8] chunk [2, 6, 8] : tensor<1x2x192x16xf32>, tensor<1x2x2x16xf32>
  return
}

// -----

func.func @topk_zero(%q: tensor<1x2x192x16xf32>, %m: tensor<1x2x2x16xf32>) {
  // expected-error @+1 {{'attn.chunk_select' op attribute 'topk' must be positive, got 0}}
  %s = attn.chunk_select %q, %m grid [4, 6, 8] chunk [2, 6, 8] topk 0 : tensor<1x2x192x16xf32>, tensor<1x2x2x16xf32>
  return
}

// -----

func.func @means_wrong_chunks(%q: tensor<1x2x192x16xf32>, %m: tensor<1x2x3x16xf32>) {
  // expected-error @+1 {{'attn.chunk_select' op operand 'key_means' must have shape [B, H, C, D] = [1, 2, 2, 16] (C = 2 chunks), got 'tensor<1x2x3x16xf32>'}}
  %s = attn.chunk_select %q, %m grid [4, 6, 8] chunk [2, 6, 8] topk 2 : tensor<1x2x192x16xf32>, tensor<1x2x3x16xf32>
  return
}

// -----

func.func @means_not_f32(%q: tensor<1x2x192x16xbf16>, %m: tensor<1x2x2x16xbf16>) {
  // expected-error @+1 {{'attn.chunk_select' op operand 'key_means' must be a [B, H, C, D] f32 tensor, got 'tensor<1x2x2x16xbf16>'}}
  %s = attn.chunk_select %q, %m grid [4, 6, 8] chunk [2, 6, 8] topk 2 : tensor<1x2x192x16xbf16>, tensor<1x2x2x16xbf16>
  return
}

// -----

func.func @selection_shape(%q: tensor<1x2x192x16xf32>, %s: tensor<1x2x192x3xi1>) {
  // expected-error @+1 {{'attn.chunk_attention' op operand 'selection' must have shape [B, Hq, S, C] = [1, 2, 192, 2], got 'tensor<1x2x192x3xi1>'}}
  %o = attn.chunk_attention %q, %q, %q, %s grid [4, 6, 8] chunk [2, 6, 8] : (tensor<1x2x192x16xf32>, tensor<1x2x192x16xf32>, tensor<1x2x192x16xf32>, tensor<1x2x192x3xi1>) -> tensor<1x2x192x16xf32>
  return
}

// -----

func.func @kv_mismatch(%q: tensor<1x2x192x16xf32>, %v: tensor<1x2x192x8xf32>, %s: tensor<1x2x192x2xi1>) {
  // expected-error @+1 {{'attn.chunk_attention' op operand 'v' shape [1, 2, 192, 8] must match 'k' shape [1, 2, 192, 16]}}
  %o = attn.chunk_attention %q, %q, %v, %s grid [4, 6, 8] chunk [2, 6, 8] : (tensor<1x2x192x16xf32>, tensor<1x2x192x16xf32>, tensor<1x2x192x8xf32>, tensor<1x2x192x2xi1>) -> tensor<1x2x192x16xf32>
  return
}

// -----

func.func @key_sequence(%q: tensor<1x2x192x16xf32>, %k: tensor<1x2x100x16xf32>, %s: tensor<1x2x192x2xi1>) {
  // expected-error @+1 {{'attn.chunk_attention' op operand 'k' sequence length 100 must equal the grid's token count T*H*W = 192}}
  %o = attn.chunk_attention %q, %k, %k, %s grid [4, 6, 8] chunk [2, 6, 8] : (tensor<1x2x192x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x192x2xi1>) -> tensor<1x2x192x16xf32>
  return
}
