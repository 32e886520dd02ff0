// RUN: attn-opt %s -split-input-file -verify-diagnostics

// === attn.tile / attn.untile

func.func @tile_grid_arity(%x: tensor<1x2x15x8xf32>) {
  // expected-error @+1 {{'attn.tile' op attribute 'grid' must have 3 values (T, H, W), got 2}}
  %t = attn.tile %x grid [3, 5] tile [1, 2, 2] : tensor<1x2x15x8xf32>
  return
}

// -----

func.func @tile_tile_arity(%x: tensor<1x2x15x8xf32>) {
  // expected-error @+1 {{attribute 'tile' must have 3 values (a, b, c), got 4}}
  %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2, 1] : tensor<1x2x15x8xf32>
  return
}

// -----

func.func @tile_zero_tile_dim(%x: tensor<1x2x15x8xf32>) {
  // expected-error @+1 {{attribute 'tile' values must be in [1, 4096], got 0 at position 1}}
  %t = attn.tile %x grid [1, 3, 5] tile [1, 0, 2] : tensor<1x2x15x8xf32>
  return
}

// -----

func.func @tile_negative_grid(%x: tensor<1x2x15x8xf32>) {
  // expected-error @+1 {{attribute 'grid' values must be in [1, 2^20], got -3 at position 1}}
  %t = attn.tile %x grid [1, -3, 5] tile [1, 2, 2] : tensor<1x2x15x8xf32>
  return
}

// -----

func.func @tile_grid_product_mismatch(%x: tensor<1x2x16x8xf32>) {
  // expected-error @+1 {{operand 'input' sequence length 16 must equal the grid's T*H*W = 15}}
  %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x16x8xf32>
  return
}

// -----

func.func @tile_rank(%x: tensor<2x15x8xf32>) {
  // expected-error @+1 {{operand 'input' must be a rank-4 [batch, heads, seq, head_dim] tensor, got 'tensor<2x15x8xf32>'}}
  %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<2x15x8xf32>
  return
}

// -----

func.func @untile_padded_length_mismatch(%x: tensor<1x2x15x8xf32>) {
  // expected-error @+1 {{operand 'input' sequence length 15 must equal the tiled length N*P = 24 (6 tiles of 4 slots)}}
  %t = attn.untile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x15x8xf32>
  return
}

// -----

func.func @tile_generic_wrong_result(%x: tensor<1x2x15x8xf32>) {
  // expected-error @+2 {{'attn.tile' op inferred type(s) 'tensor<1x2x24x8xf32>' are incompatible with return type(s) of operation 'tensor<1x2x15x8xf32>'}}
  // expected-error @+1 {{'attn.tile' op failed to infer returned types}}
  %t = "attn.tile"(%x) <{grid = array<i64: 1, 3, 5>, tile = array<i64: 1, 2, 2>}> : (tensor<1x2x15x8xf32>) -> tensor<1x2x15x8xf32>
  return
}

// === attn.sdpa

// -----

func.func @sdpa_q_rank(%q: tensor<2x4x8xf32>, %k: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{operand 'q' must be a rank-4 [batch, heads, seq, head_dim] tensor, got 'tensor<2x4x8xf32>'}}
  %o = attn.sdpa %q, %k, %k : (tensor<2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @sdpa_integer_q(%q: tensor<1x2x4x8xi32>, %k: tensor<1x2x4x8xi32>) {
  // expected-error @+1 {{operand 'q' element type must be f32, f16 or bf16, got 'i32'}}
  %o = attn.sdpa %q, %k, %k : (tensor<1x2x4x8xi32>, tensor<1x2x4x8xi32>, tensor<1x2x4x8xi32>) -> tensor<1x2x4x8xi32>
  return
}

// -----

func.func @sdpa_element_mismatch(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xbf16>) {
  // expected-error @+1 {{operand 'k' element type 'bf16' must match 'q' element type 'f32'}}
  %o = attn.sdpa %q, %k, %k : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @sdpa_head_dim_mismatch(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{head_dim of 'k' (16) must match head_dim of 'q' (8)}}
  %o = attn.sdpa %q, %k, %k : (tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @sdpa_batch_mismatch(%q: tensor<2x2x4x8xf32>, %k: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{batch of 'k' (1) must match batch of 'q' (2)}}
  %o = attn.sdpa %q, %k, %k : (tensor<2x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return
}

// -----

func.func @sdpa_kv_shape_mismatch(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x5x8xf32>) {
  // expected-error @+1 {{operand 'v' shape [1, 2, 5, 8] must match 'k' shape [1, 2, 4, 8]}}
  %o = attn.sdpa %q, %k, %v : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @sdpa_gqa_divisibility(%q: tensor<1x6x4x8xf32>, %k: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{query heads (6) must be a multiple of kv heads (4) for grouped-query attention}}
  %o = attn.sdpa %q, %k, %k : (tensor<1x6x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x6x4x8xf32>
  return
}

// -----

func.func @sdpa_mask_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %m: tensor<1x4xi1>) {
  // expected-error @+1 {{operand 'key_mask' must have shape [B, Skv] = [1, 6], got 'tensor<1x4xi1>'}}
  %o = attn.sdpa %q, %k, %k key_mask %m : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<1x4xi1>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @sdpa_mask_element(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %m: tensor<1x6xi32>) {
  // expected-error @+1 {{operand 'key_mask' must be a tensor of i1, got 'tensor<1x6xi32>'}}
  %o = attn.sdpa %q, %k, %k key_mask %m : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<1x6xi32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @sdpa_bad_scale(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{attribute 'scale' must be a positive finite f32, got -1}}
  %o = attn.sdpa %q, %q, %q scale -1.0 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @sdpa_result_type(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'attn.sdpa' op failed to verify that all of {q, result} have same type}}
  %o = attn.sdpa %q, %q, %q : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf16>
  return
}

// === attn.mask_from_lengths

// -----

func.func @mask_size_zero(%len: tensor<2xi32>) {
  // expected-error @+1 {{attribute 'size' must be positive, got 0}}
  %m = attn.mask_from_lengths %len size 0 : tensor<2xi32>
  return
}

// -----

func.func @mask_lengths_type(%len: tensor<2xi64>) {
  // expected-error @+1 {{operand 'lengths' must be a tensor of i32, got 'tensor<2xi64>'}}
  %m = attn.mask_from_lengths %len size 4 : tensor<2xi64>
  return
}

// === attn.block_sparse

// -----

func.func @bs_block_q_positive(%q: tensor<1x1x128x8xf32>, %i: tensor<1x1x2x2xi32>, %c: tensor<1x1x2xi32>) {
  // expected-error @+1 {{attribute 'block_q' must be positive, got 0}}
  %o = attn.block_sparse %q, %q, %q, %i, %c block_q 0 block_kv 64 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @bs_sq_multiple(%q: tensor<1x1x100x8xf32>, %k: tensor<1x1x128x8xf32>, %i: tensor<1x1x2x2xi32>, %c: tensor<1x1x2xi32>) {
  // expected-error @+1 {{query length 100 must be a multiple of 'block_q' = 64}}
  %o = attn.block_sparse %q, %k, %k, %i, %c block_q 64 block_kv 64 : (tensor<1x1x100x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> tensor<1x1x100x8xf32>
  return
}

// -----

func.func @bs_skv_multiple(%q: tensor<1x1x128x8xf32>, %k: tensor<1x1x96x8xf32>, %i: tensor<1x1x2x2xi32>, %c: tensor<1x1x2xi32>) {
  // expected-error @+1 {{key length 96 must be a multiple of 'block_kv' = 64}}
  %o = attn.block_sparse %q, %k, %k, %i, %c block_q 64 block_kv 64 : (tensor<1x1x128x8xf32>, tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @bs_k_above_nkv(%q: tensor<1x1x128x8xf32>, %i: tensor<1x1x2x3xi32>, %c: tensor<1x1x2xi32>) {
  // expected-error @+1 {{operand 'kv_indices' lists K = 3 blocks per row, more than the Nkv = 2 kv blocks}}
  %o = attn.block_sparse %q, %q, %q, %i, %c block_q 64 block_kv 64 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x2x3xi32>, tensor<1x1x2xi32>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @bs_indices_shape(%q: tensor<1x2x128x8xf32>, %i: tensor<1x1x2x2xi32>, %c: tensor<1x2x2xi32>) {
  // expected-error @+1 {{operand 'kv_indices' must have shape [B, Hq, Nq, K] = [1, 2, 2, ?], got 'tensor<1x1x2x2xi32>'}}
  %o = attn.block_sparse %q, %q, %q, %i, %c block_q 64 block_kv 64 : (tensor<1x2x128x8xf32>, tensor<1x2x128x8xf32>, tensor<1x2x128x8xf32>, tensor<1x1x2x2xi32>, tensor<1x2x2xi32>) -> tensor<1x2x128x8xf32>
  return
}

// -----

func.func @bs_indices_element(%q: tensor<1x1x128x8xf32>, %i: tensor<1x1x2x2xi64>, %c: tensor<1x1x2xi32>) {
  // expected-error @+1 {{operand 'kv_indices' must be a tensor of i32, got 'tensor<1x1x2x2xi64>'}}
  %o = attn.block_sparse %q, %q, %q, %i, %c block_q 64 block_kv 64 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x2x2xi64>, tensor<1x1x2xi32>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @bs_counts_rank(%q: tensor<1x1x128x8xf32>, %i: tensor<1x1x2x2xi32>, %c: tensor<1x1x2x1xi32>) {
  // expected-error @+1 {{operand 'kv_counts' must have rank 3 ([B, Hq, Nq]), got 'tensor<1x1x2x1xi32>'}}
  %o = attn.block_sparse %q, %q, %q, %i, %c block_q 64 block_kv 64 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2x1xi32>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @bs_counts_shape(%q: tensor<1x1x128x8xf32>, %i: tensor<1x1x2x2xi32>, %c: tensor<1x1x3xi32>) {
  // expected-error @+1 {{operand 'kv_counts' must have shape [B, Hq, Nq] = [1, 1, 2], got 'tensor<1x1x3xi32>'}}
  %o = attn.block_sparse %q, %q, %q, %i, %c block_q 64 block_kv 64 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x2x2xi32>, tensor<1x1x3xi32>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @bs_block_sizes_shape(%q: tensor<1x1x128x8xf32>, %i: tensor<1x1x2x2xi32>, %c: tensor<1x1x2xi32>, %s: tensor<3xi32>) {
  // expected-error @+1 {{operand 'kv_block_sizes' must have shape [Nkv] = [2], got 'tensor<3xi32>'}}
  %o = attn.block_sparse %q, %q, %q, %i, %c, %s block_q 64 block_kv 64 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>, tensor<3xi32>) -> tensor<1x1x128x8xf32>
  return
}

// === attn.block_mean / attn.block_topk

// -----

func.func @block_mean_multiple(%x: tensor<1x1x100x8xf32>) {
  // expected-error @+1 {{operand 'input' sequence length 100 must be a multiple of 'block' = 64}}
  %m = attn.block_mean %x block 64 : tensor<1x1x100x8xf32>
  return
}

// -----

func.func @block_mean_sizes_shape(%x: tensor<1x1x128x8xf32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{operand 'block_sizes' must have shape [N] = [2], got 'tensor<4xi32>'}}
  %m = attn.block_mean %x, %s block 64 : tensor<1x1x128x8xf32>, tensor<4xi32>
  return
}

// -----

func.func @block_mean_block_positive(%x: tensor<1x1x128x8xf32>) {
  // expected-error @+1 {{attribute 'block' must be positive, got -64}}
  %m = attn.block_mean %x block -64 : tensor<1x1x128x8xf32>
  return
}

// -----

func.func @block_topk_k_positive(%s: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{attribute 'k' must be positive, got 0}}
  %i, %c = attn.block_topk %s k 0 : tensor<1x1x4x4xf32>
  return
}

// -----

func.func @block_topk_scores_f32(%s: tensor<1x1x4x4xbf16>) {
  // expected-error @+1 {{operand 'scores' must be a rank-4 [B, H, Nq, Nkv] tensor of f32, got 'tensor<1x1x4x4xbf16>'}}
  %i, %c = attn.block_topk %s k 2 : tensor<1x1x4x4xbf16>
  return
}

// === attn.vsa

// -----

func.func @vsa_topk_positive(%q: tensor<1x1x128x8xf32>) {
  // expected-error @+1 {{attribute 'topk' must be positive, got 0}}
  %o = attn.vsa %q, %q, %q block 64 topk 0 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @vsa_seq_multiple(%q: tensor<1x1x96x8xf32>) {
  // expected-error @+1 {{query length 96 must be a multiple of 'block' = 64}}
  %o = attn.vsa %q, %q, %q block 64 topk 1 : (tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>) -> tensor<1x1x96x8xf32>
  return
}

// -----

func.func @vsa_gate_type(%q: tensor<1x1x128x8xf32>, %g: tensor<1x1x128x8xbf16>) {
  // expected-error @+1 {{operand 'gate' must have the type of 'q' ('tensor<1x1x128x8xf32>'), got 'tensor<1x1x128x8xbf16>'}}
  %o = attn.vsa %q, %q, %q gate %g block 64 topk 1 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xbf16>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @vsa_sizes_pairing(%q: tensor<1x1x128x8xf32>, %s: tensor<2xi32>) {
  // expected-error @+1 {{operands 'q_block_sizes' and 'kv_block_sizes' must be given together or not at all}}
  %o = attn.vsa %q, %q, %q kv_block_sizes %s block 64 topk 1 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<2xi32>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @vsa_q_sizes_shape(%q: tensor<1x1x128x8xf32>, %s: tensor<2xi32>, %t: tensor<3xi32>) {
  // expected-error @+1 {{operand 'q_block_sizes' must have shape [Nq] = [2], got 'tensor<3xi32>'}}
  %o = attn.vsa %q, %q, %q q_block_sizes %t kv_block_sizes %s block 64 topk 1 : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<3xi32>, tensor<2xi32>) -> tensor<1x1x128x8xf32>
  return
}

// -----

func.func @vsa_missing_segments(%q: tensor<1x1x128x8xf32>) {
  // expected-error @+1 {{'attn.vsa' op operand count (3) does not match with the total size (0) specified in attribute 'operandSegmentSizes'}}
  %o = "attn.vsa"(%q, %q, %q) <{block = 64 : i64, topk = 1 : i64, operandSegmentSizes = array<i32: 0, 0, 0, 0, 0, 0, 0>}> : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>) -> tensor<1x1x128x8xf32>
  return
}

// === attn.sliding_tile

// -----

func.func @sta_no_window(%q: tensor<1x1x16x8xf32>) {
  // expected-error @+1 {{requires exactly one of 'window' (3 values) and 'windows' (3 values per query head)}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return
}

// -----

func.func @sta_both_windows(%q: tensor<1x1x16x8xf32>) {
  // expected-error @+1 {{requires exactly one of 'window' (3 values) and 'windows' (3 values per query head)}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] windows [1, 1, 1] : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return
}

// -----

func.func @sta_window_arity(%q: tensor<1x1x16x8xf32>) {
  // expected-error @+1 {{attribute 'window' must have 3 values, got 2}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1] : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return
}

// -----

func.func @sta_window_positive(%q: tensor<1x1x16x8xf32>) {
  // expected-error @+1 {{attribute 'window' values must be positive, got 0 at position 2}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 0] : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return
}

// -----

func.func @sta_windows_per_head(%q: tensor<1x2x16x8xf32>) {
  // expected-error @+1 {{attribute 'windows' must have 3 values per query head (3 * 2), got 3}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] windows [1, 1, 1] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return
}

// -----

func.func @sta_tile_grid_positive(%q: tensor<1x1x16x8xf32>) {
  // expected-error @+1 {{attribute 'tile_grid' values must be positive, got 0 at position 0}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [0, 2, 2] tile [1, 2, 2] window [1, 1, 1] : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return
}

// -----

func.func @sta_too_short(%q: tensor<1x1x12x8xf32>) {
  // expected-error @+1 {{sequence length 12 is shorter than the 16 image tokens of 'tile_grid' x 'tile'}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] : (tensor<1x1x12x8xf32>, tensor<1x1x12x8xf32>, tensor<1x1x12x8xf32>) -> tensor<1x1x12x8xf32>
  return
}

// -----

func.func @sta_text_length_too_long(%q: tensor<1x1x20x8xf32>) {
  // expected-error @+1 {{attribute 'text_length' (5) exceeds the 4 text tokens after the image tokens}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length 5 : (tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>) -> tensor<1x1x20x8xf32>
  return
}

// -----

func.func @sta_text_length_negative(%q: tensor<1x1x20x8xf32>) {
  // expected-error @+1 {{attribute 'text_length' must be >= 0, got -1}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length -1 : (tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>) -> tensor<1x1x20x8xf32>
  return
}

// -----

func.func @sta_cross_attention(%q: tensor<1x1x16x8xf32>, %k: tensor<1x1x20x8xf32>) {
  // expected-error @+1 {{'q' and 'k' must have the same sequence length (self-attention), got 16 and 20}}
  %o = attn.sliding_tile %q, %k, %k tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] : (tensor<1x1x16x8xf32>, tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>) -> tensor<1x1x16x8xf32>
  return
}

// -----

func.func @sta_missing_tile(%q: tensor<1x1x16x8xf32>) {
  // expected-error @+1 {{'attn.sliding_tile' op requires attribute 'tile'}}
  %o = "attn.sliding_tile"(%q, %q, %q) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>, tile_grid = array<i64: 1, 2, 2>, window = array<i64: 1, 1, 1>}> : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return
}
