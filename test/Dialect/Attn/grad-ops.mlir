// The gradient ops parse, verify and print back; their operand checks are
// the forward ops' (shared verifiers), and dq/dk/dv must have the types of
// q/k/v (dout q's); attn.vsa_grad has dgate exactly when it has a gate.
// RUN: attn-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @sdpa_grad(
// CHECK: attn.sdpa_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} key_mask %{{.*}} scale 1.250000e-01 :
func.func @sdpa_grad(%q: tensor<1x4x8x16xbf16>, %k: tensor<1x2x6x16xbf16>, %v: tensor<1x2x6x16xbf16>, %do: tensor<1x4x8x16xbf16>, %m: tensor<1x6xi1>) -> (tensor<1x4x8x16xbf16>, tensor<1x2x6x16xbf16>, tensor<1x2x6x16xbf16>) {
  %dq, %dk, %dv = attn.sdpa_grad %q, %k, %v, %do key_mask %m scale 0.125 : (tensor<1x4x8x16xbf16>, tensor<1x2x6x16xbf16>, tensor<1x2x6x16xbf16>, tensor<1x4x8x16xbf16>, tensor<1x6xi1>) -> (tensor<1x4x8x16xbf16>, tensor<1x2x6x16xbf16>, tensor<1x2x6x16xbf16>)
  return %dq, %dk, %dv : tensor<1x4x8x16xbf16>, tensor<1x2x6x16xbf16>, tensor<1x2x6x16xbf16>
}

// -----

// CHECK-LABEL: func.func @block_sparse_grad(
// CHECK: attn.block_sparse_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} block_q 4 block_kv 4 :
func.func @block_sparse_grad(%q: tensor<1x2x8x4xf32>, %do: tensor<1x2x8x4xf32>, %idx: tensor<1x2x2x2xi32>, %cnt: tensor<1x2x2xi32>, %vbs: tensor<2xi32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) {
  %dq, %dk, %dv = attn.block_sparse_grad %q, %q, %q, %do, %idx, %cnt, %vbs block_q 4 block_kv 4 : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x2x2xi32>, tensor<1x2x2xi32>, tensor<2xi32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
  return %dq, %dk, %dv : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>
}

// -----

func.func @dout_not_like_q(%q: tensor<1x1x8x4xf32>, %do: tensor<1x1x8x8xf32>) -> tensor<1x1x8x4xf32> {
  // expected-error @+1 {{all of {q, dout, dq} have same type}}
  %dq, %dk, %dv = attn.sdpa_grad %q, %q, %q, %do : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x8xf32>) -> (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>)
  return %dq : tensor<1x1x8x4xf32>
}

// -----

func.func @dk_not_like_k(%q: tensor<1x2x8x4xf32>, %k: tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{all of {k, dk} have same type}}
  %dq, %dk, %dv = attn.sdpa_grad %q, %k, %k, %q : (tensor<1x2x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x2x8x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x1x8x4xf32>)
  return %dq : tensor<1x2x8x4xf32>
}

// -----

func.func @gqa_heads(%q: tensor<1x3x8x4xf32>, %k: tensor<1x2x8x4xf32>) -> tensor<1x3x8x4xf32> {
  // expected-error @+1 {{query heads}}
  %dq, %dk, %dv = attn.sdpa_grad %q, %k, %k, %q : (tensor<1x3x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x3x8x4xf32>) -> (tensor<1x3x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
  return %dq : tensor<1x3x8x4xf32>
}

// -----

func.func @counts_shape(%q: tensor<1x2x8x4xf32>, %idx: tensor<1x2x2x2xi32>, %cnt: tensor<1x2x3xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'kv_counts'}}
  %dq, %dk, %dv = attn.block_sparse_grad %q, %q, %q, %q, %idx, %cnt block_q 4 block_kv 4 : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x2x2xi32>, tensor<1x2x3xi32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
  return %dq : tensor<1x2x8x4xf32>
}

// -----

func.func @block_q(%q: tensor<1x2x8x4xf32>, %idx: tensor<1x2x2x2xi32>, %cnt: tensor<1x2x2xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{query length 8 must be a multiple of 'block_q' = 3}}
  %dq, %dk, %dv = attn.block_sparse_grad %q, %q, %q, %q, %idx, %cnt block_q 3 block_kv 4 : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x2x2xi32>, tensor<1x2x2xi32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
  return %dq : tensor<1x2x8x4xf32>
}

// -----

// CHECK-LABEL: func.func @sliding_tile_grad(
// CHECK: attn.sliding_tile_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} tile_grid [2, 2, 2] tile [2, 2, 2] window [1, 1, 1] text_length 5 :
func.func @sliding_tile_grad(%q: tensor<1x2x73x4xf32>) -> tensor<1x2x73x4xf32> {
  %dq, %dk, %dv = attn.sliding_tile_grad %q, %q, %q, %q tile_grid [2, 2, 2] tile [2, 2, 2] window [1, 1, 1] text_length 5 : (tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>) -> (tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>)
  return %dq : tensor<1x2x73x4xf32>
}

// -----

func.func @sliding_tile_grad_text(%q: tensor<1x2x73x4xf32>) -> tensor<1x2x73x4xf32> {
  // expected-error @+1 {{attribute 'text_length' (10) exceeds the 9 text tokens after the image tokens}}
  %dq, %dk, %dv = attn.sliding_tile_grad %q, %q, %q, %q tile_grid [2, 2, 2] tile [2, 2, 2] window [1, 1, 1] text_length 10 : (tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>) -> (tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>)
  return %dq : tensor<1x2x73x4xf32>
}

// -----

// attn.vsa_grad: dgate with a gate, a run-time topk.
// CHECK-LABEL: func.func @vsa_grad(
// CHECK: attn.vsa_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} gate %{{.*}} q_block_sizes %{{.*}} kv_block_sizes %{{.*}} block 4 topk 2 :
// CHECK: attn.vsa_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} block 4 topk %{{.*}} :
func.func @vsa_grad(%q: tensor<1x2x8x4xbf16>, %k: tensor<1x1x8x4xbf16>, %s: tensor<2xi32>, %n: index) -> tensor<1x2x8x4xbf16> {
  %dq, %dk, %dv, %dg = attn.vsa_grad %q, %k, %k, %q gate %q q_block_sizes %s kv_block_sizes %s block 4 topk 2 : (tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<2xi32>, tensor<2xi32>) -> (tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>)
  %a, %b, %c = attn.vsa_grad %q, %k, %k, %q block 4 topk %n : (tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>, index) -> (tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>)
  return %dg : tensor<1x2x8x4xbf16>
}

// -----

func.func @vsa_grad_gate_without_dgate(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{has a 'gate' but no 'dgate' result}}
  %dq, %dk, %dv = attn.vsa_grad %q, %q, %q, %q gate %q block 4 topk 1 : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
  return %dq : tensor<1x2x8x4xf32>
}

// -----

func.func @vsa_grad_dgate_without_gate(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{has a 'dgate' result but no 'gate'}}
  %dq, %dk, %dv, %dg = attn.vsa_grad %q, %q, %q, %q block 4 topk 1 : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
  return %dq : tensor<1x2x8x4xf32>
}

// -----

func.func @vsa_grad_block(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{query length 8 must be a multiple of 'block' = 3}}
  %dq, %dk, %dv = attn.vsa_grad %q, %q, %q, %q block 3 topk 1 : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
  return %dq : tensor<1x2x8x4xf32>
}

// -----

func.func @vsa_grad_dout(%q: tensor<1x2x8x4xf32>, %do: tensor<1x2x8x4xbf16>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{all of {q, dout, dq} have same type}}
  %dq, %dk, %dv = attn.vsa_grad %q, %q, %q, %do block 4 topk 1 : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xbf16>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
  return %dq : tensor<1x2x8x4xf32>
}
