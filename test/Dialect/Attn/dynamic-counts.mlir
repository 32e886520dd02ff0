// RUN: attn-opt %s | FileCheck %s
// Round trip: the printed form parses back to the same IR.
// RUN: attn-opt %s | attn-opt | FileCheck %s
// Generic form (the run-time count is one more operand; attn.vsa's
// operandSegmentSizes has 7 entries, the last for 'topk_value').
// RUN: attn-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// VSA's topk as a run-time operand, index or i64; dynamic heads and tokens.
// CHECK-LABEL: func @vsa_topk_operand_index
// CHECK: attn.vsa %{{.*}}, %{{.*}}, %{{.*}} block 64 topk %{{.*}} : (tensor<1x?x?x32xf32>, tensor<1x?x?x32xf32>, tensor<1x?x?x32xf32>, index) -> tensor<1x?x?x32xf32>
// GENERIC-LABEL: sym_name = "vsa_topk_operand_index"
// GENERIC: "attn.vsa"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{block = 64 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 1>}>
func.func @vsa_topk_operand_index(%q: tensor<1x?x?x32xf32>, %k: index) -> tensor<1x?x?x32xf32> {
  %o = attn.vsa %q, %q, %q block 64 topk %k
      : (tensor<1x?x?x32xf32>, tensor<1x?x?x32xf32>, tensor<1x?x?x32xf32>, index) -> tensor<1x?x?x32xf32>
  return %o : tensor<1x?x?x32xf32>
}

// CHECK-LABEL: func @vsa_topk_operand_i64_with_sizes
// CHECK: attn.vsa %{{.*}}, %{{.*}}, %{{.*}} gate %{{.*}} q_block_sizes %{{.*}} kv_block_sizes %{{.*}} block 64 topk %{{.*}} : (tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?xi32>, tensor<?xi32>, i64) -> tensor<?x2x?x32xbf16>
// GENERIC-LABEL: sym_name = "vsa_topk_operand_i64_with_sizes"
// GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1>
func.func @vsa_topk_operand_i64_with_sizes(%q: tensor<?x2x?x32xbf16>, %vbs: tensor<?xi32>, %k: i64) -> tensor<?x2x?x32xbf16> {
  %o = attn.vsa %q, %q, %q gate %q q_block_sizes %vbs kv_block_sizes %vbs block 64 topk %k
      : (tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?xi32>, tensor<?xi32>, i64) -> tensor<?x2x?x32xbf16>
  return %o : tensor<?x2x?x32xbf16>
}

// The attribute stays the static special case.
// CHECK-LABEL: func @vsa_topk_attribute
// CHECK: attn.vsa %{{.*}}, %{{.*}}, %{{.*}} block 64 topk 3 : (tensor<1x2x?x32xf32>
// GENERIC-LABEL: sym_name = "vsa_topk_attribute"
// GENERIC: <{block = 64 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0>, topk = 3 : i64}>
func.func @vsa_topk_attribute(%q: tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32> {
  %o = attn.vsa %q, %q, %q block 64 topk 3
      : (tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
  return %o : tensor<1x2x?x32xf32>
}

// STA's text length as a run-time operand, with a dynamic sequence (the
// image tokens come from tile_grid x tile; S_text varies with the prompt).
// CHECK-LABEL: func @sta_text_length_operand
// CHECK: attn.sliding_tile %{{.*}}, %{{.*}}, %{{.*}} tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length %{{.*}} scale 5.000000e-01 : (tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, i64) -> tensor<?x?x?x8xf32>
// GENERIC-LABEL: sym_name = "sta_text_length_operand"
// GENERIC: "attn.sliding_tile"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>, scale
func.func @sta_text_length_operand(%q: tensor<?x?x?x8xf32>, %n: i64) -> tensor<?x?x?x8xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length %n scale 0.5
      : (tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, i64) -> tensor<?x?x?x8xf32>
  return %o : tensor<?x?x?x8xf32>
}

// CHECK-LABEL: func @sta_text_length_operand_index_windows
// CHECK: windows [1, 1, 1, 3, 3, 3] text_length %{{.*}} : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, index)
func.func @sta_text_length_operand_index_windows(%q: tensor<1x2x?x8xf32>, %n: index) -> tensor<1x2x?x8xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] windows [1, 1, 1, 3, 3, 3] text_length %n
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, index) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// The attribute form and the default (0, elided) are unchanged.
// CHECK-LABEL: func @sta_text_length_attribute
// CHECK: window [1, 1, 1] text_length 4 : (tensor<1x1x20x8xf32>
// CHECK: window [1, 1, 1] : (tensor<1x1x?x8xf32>
func.func @sta_text_length_attribute(%q: tensor<1x1x20x8xf32>, %d: tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32> {
  %a = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length 4
      : (tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>, tensor<1x1x20x8xf32>) -> tensor<1x1x20x8xf32>
  %b = attn.sliding_tile %d, %d, %d tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1]
      : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32>
  return %b : tensor<1x1x?x8xf32>
}

// attn.block_topk's k as a run-time operand: the ids per row, min(k, Nkv),
// become a dynamic dimension.
// CHECK-LABEL: func @block_topk_k_operand
// CHECK: %{{.*}}, %{{.*}} = attn.block_topk %{{.*}} k %{{.*}} : tensor<1x2x4x6xf32>, i64
// GENERIC-LABEL: sym_name = "block_topk_k_operand"
// GENERIC: "attn.block_topk"(%{{.*}}, %{{.*}}) : (tensor<1x2x4x6xf32>, i64) -> (tensor<1x2x4x?xi32>, tensor<1x2x4xi32>)
func.func @block_topk_k_operand(%s: tensor<1x2x4x6xf32>, %k: i64) -> tensor<1x2x4x?xi32> {
  %i, %c = attn.block_topk %s k %k : tensor<1x2x4x6xf32>, i64
  return %i : tensor<1x2x4x?xi32>
}

// CHECK-LABEL: func @block_topk_k_attribute
// CHECK: attn.block_topk %{{.*}} k 3 : tensor<1x2x?x6xf32>
func.func @block_topk_k_attribute(%s: tensor<1x2x?x6xf32>) -> tensor<1x2x?x3xi32> {
  %i, %c = attn.block_topk %s k 3 : tensor<1x2x?x6xf32>
  return %i : tensor<1x2x?x3xi32>
}

// STA's tile_grid with run-time sizes (index operands, listed in the
// functional type after v's), mixed with a static one.
// CHECK-LABEL: func @sta_run_time_tile_grid
// CHECK: attn.sliding_tile %{{.*}}, %{{.*}}, %{{.*}} tile_grid [%{{.*}}, 2, %{{.*}}] tile [1, 2, 2] window [1, 1, 1] text_length %{{.*}} : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, index, index, i64) -> tensor<1x2x?x8xf32>
// GENERIC-LABEL: sym_name = "sta_run_time_tile_grid"
// GENERIC: "attn.sliding_tile"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1, 2, 1>, tile = array<i64: 1, 2, 2>, tile_grid = array<i64: -9223372036854775808, 2, -9223372036854775808>
func.func @sta_run_time_tile_grid(%q: tensor<1x2x?x8xf32>, %t: index, %w: index, %n: i64) -> tensor<1x2x?x8xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [%t, 2, %w] tile [1, 2, 2] window [1, 1, 1] text_length %n
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, index, index, i64) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

