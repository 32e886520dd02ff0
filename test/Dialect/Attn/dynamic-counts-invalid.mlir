// RUN: attn-opt %s -split-input-file -verify-diagnostics
// The run-time count forms of attn.vsa's topk and attn.sliding_tile's
// text_length: exactly one form, a scalar of index or i64; the static checks
// still apply where dimensions are static.

func.func @vsa_topk_both_forms(%q: tensor<1x1x128x8xf32>, %k: index) {
  // expected-error @+1 {{requires exactly one of attribute 'topk' (a static count) and operand 'topk_value' (a run-time count)}}
  %o = "attn.vsa"(%q, %q, %q, %k) <{block = 64 : i64, topk = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 1>}> : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, index) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @vsa_topk_neither_form(%q: tensor<1x1x128x8xf32>) {
  // expected-error @+1 {{requires exactly one of attribute 'topk' (a static count) and operand 'topk_value' (a run-time count)}}
  %o = "attn.vsa"(%q, %q, %q) <{block = 64 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0>}> : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @vsa_topk_operand_i32(%q: tensor<1x1x128x8xf32>, %k: i32) {
  // expected-error @+1 {{operand #3 must be index or i64 scalar, but got 'i32'}}
  %o = attn.vsa %q, %q, %q block 64 topk %k : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, i32) -> tensor<1x1x128x8xf32>
  return
}

// -----

// With a run-time topk, the static relations are still checked.
func.func @vsa_topk_operand_still_checks_block(%q: tensor<1x1x96x8xf32>, %k: index) {
  // expected-error @+1 {{query length 96 must be a multiple of 'block' = 64}}
  %o = attn.vsa %q, %q, %q block 64 topk %k : (tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>, index) -> tensor<1x1x96x8xf32>
  return
}

// -----

func.func @sta_text_length_both_forms(%q: tensor<1x1x20x8xf32>, %n: i64) {
  // expected-error @+1 {{takes either attribute 'text_length' (a static count) or operand 'text_length_value' (a run-time count), not both}}
  %o = "attn.sliding_tile"(%q, %q, %q, %n) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>, tile_grid = array<i64: 1, 2, 2>, tile = array<i64: 1, 2, 2>, window = array<i64: 1, 1, 1>, text_length = 2 : i64}> : (tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>, i64) -> tensor<1x1x20x8xf32>
  return
}

// -----

func.func @sta_text_length_operand_f32(%q: tensor<1x1x20x8xf32>, %n: f32) {
  // expected-error @+1 {{operand #3 must be index or i64 scalar, but got 'f32'}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length %n : (tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>, f32) -> tensor<1x1x20x8xf32>
  return
}

// -----

// With a run-time text length, a sequence shorter than the image tokens is
// still wrong statically.
func.func @sta_text_length_operand_short_sequence(%q: tensor<1x1x12x8xf32>, %n: i64) {
  // expected-error @+1 {{sequence length 12 is shorter than the 16 image tokens of 'tile_grid' x 'tile'}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length %n : (tensor<1x1x12x8xf32>, tensor<1x1x12x8xf32>, tensor<1x1x12x8xf32>, i64) -> tensor<1x1x12x8xf32>
  return
}

// -----

// Dynamic dims stay silent; a static mismatch on another dim is still caught.
func.func @sta_dynamic_seq_static_head_dim_mismatch(%q: tensor<1x1x?x8xf32>, %k: tensor<1x1x?x16xf32>) {
  // expected-error @+1 {{head_dim of 'k' (16) must match head_dim of 'q' (8)}}
  %o = attn.sliding_tile %q, %k, %k tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] : (tensor<1x1x?x8xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<1x1x?x8xf32>
  return
}

// -----

func.func @block_topk_both_forms(%s: tensor<1x1x4x4xf32>, %k: index) {
  // expected-error @+2 {{requires exactly one of attribute 'k' (a static count) and operand 'k_value' (a run-time count)}}
  // expected-error @+1 {{failed to infer returned types}}
  %i, %c = "attn.block_topk"(%s, %k) <{k = 2 : i64}> : (tensor<1x1x4x4xf32>, index) -> (tensor<1x1x4x?xi32>, tensor<1x1x4xi32>)
  return
}

// -----

func.func @block_topk_neither_form(%s: tensor<1x1x4x4xf32>) {
  // expected-error @+2 {{requires exactly one of attribute 'k' (a static count) and operand 'k_value' (a run-time count)}}
  // expected-error @+1 {{failed to infer returned types}}
  %i, %c = "attn.block_topk"(%s) : (tensor<1x1x4x4xf32>) -> (tensor<1x1x4x4xi32>, tensor<1x1x4xi32>)
  return
}

// -----

func.func @block_topk_k_operand_i32(%s: tensor<1x1x4x4xf32>, %k: i32) {
  // expected-error @+1 {{operand #1 must be index or i64 scalar, but got 'i32'}}
  %i, %c = attn.block_topk %s k %k : tensor<1x1x4x4xf32>, i32
  return
}

// -----

func.func @sta_tile_grid_operand_count(%q: tensor<1x1x?x8xf32>, %t: index) {
  // expected-error @+1 {{'tile_grid' has 2 run-time sizes but 1 index operands}}
  %o = "attn.sliding_tile"(%q, %q, %q, %t) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>, tile_grid = array<i64: -9223372036854775808, 2, -9223372036854775808>, tile = array<i64: 1, 2, 2>, window = array<i64: 1, 1, 1>}> : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, index) -> tensor<1x1x?x8xf32>
  return
}

// -----

// The static sizes beside run-time ones are still checked.
func.func @sta_tile_grid_static_zero(%q: tensor<1x1x?x8xf32>, %t: index) {
  // expected-error @+1 {{attribute 'tile_grid' values must be positive, got 0 at position 1}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [%t, 0, 2] tile [1, 2, 2] window [1, 1, 1] : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, index) -> tensor<1x1x?x8xf32>
  return
}

// -----

func.func @sta_tile_grid_operand_f32(%q: tensor<1x1x?x8xf32>, %t: f32) {
  // expected-error @+1 {{operand #3 must be variadic of index, but got 'f32'}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [%t, 2, 2] tile [1, 2, 2] window [1, 1, 1] : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, f32) -> tensor<1x1x?x8xf32>
  return
}

