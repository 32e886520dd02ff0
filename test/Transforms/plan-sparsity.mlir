// RUN: attn-opt %s --attn-plan-sparsity --mlir-print-elementsattrs-with-hex-if-larger=-1 | FileCheck %s

// Windows shift to stay inside the grid: a 3-tile window on a 4-tile row
// gives tiles 0-2 to tiles 0 and 1, and tiles 1-3 to tiles 2 and 3.
// CHECK-LABEL: func @shifted_window_1d
// CHECK-DAG: %[[IDX:.*]] = arith.constant dense<{{\[\[\[}}[0, 1, 2], [0, 1, 2], [1, 2, 3], [1, 2, 3]]]]> : tensor<1x1x4x3xi32>
// CHECK-DAG: %[[CNT:.*]] = arith.constant dense<3> : tensor<1x1x4xi32>
// CHECK-DAG: %[[VBS:.*]] = arith.constant dense<2> : tensor<4xi32>
// CHECK: attn.block_sparse %{{.*}}, %{{.*}}, %{{.*}}, %[[IDX]], %[[CNT]], %[[VBS]] block_q 2 block_kv 2
// CHECK-NOT: attn.sliding_tile
func.func @shifted_window_1d(%q: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 1, 4] tile [1, 1, 2] window [1, 1, 3]
      : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}

// Text: image tiles see their window plus the text block; the text block
// sees everything valid; text keys past text_length are invalid through
// kv_block_sizes (3 of the 4 text slots).
// CHECK-LABEL: func @text_blocks
// CHECK-DAG: arith.constant dense<{{\[\[\[}}[0, 4, 0, 0, 0], [1, 4, 0, 0, 0], [2, 4, 0, 0, 0], [3, 4, 0, 0, 0], [0, 1, 2, 3, 4]]]]> : tensor<1x1x5x5xi32>
// CHECK-DAG: arith.constant dense<{{\[\[}}[2, 2, 2, 2, 5]]]> : tensor<1x1x5xi32>
// CHECK-DAG: arith.constant dense<[4, 4, 4, 4, 3]> : tensor<5xi32>
func.func @text_blocks(%q: tensor<1x1x20x4xf32>) -> tensor<1x1x20x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length 3
      : (tensor<1x1x20x4xf32>, tensor<1x1x20x4xf32>, tensor<1x1x20x4xf32>) -> tensor<1x1x20x4xf32>
  return %o : tensor<1x1x20x4xf32>
}

// text_length 0: image-only STA for image queries; the text block has no
// valid key and is never listed; text queries still see every image token.
// CHECK-LABEL: func @no_text
// CHECK-DAG: arith.constant dense<{{\[\[\[}}[0, 0, 0, 0], [1, 0, 0, 0], [2, 0, 0, 0], [3, 0, 0, 0], [0, 1, 2, 3]]]]> : tensor<1x1x5x4xi32>
// CHECK-DAG: arith.constant dense<{{\[\[}}[1, 1, 1, 1, 4]]]> : tensor<1x1x5xi32>
// CHECK-DAG: arith.constant dense<[4, 4, 4, 4, 0]> : tensor<5xi32>
func.func @no_text(%q: tensor<1x1x20x4xf32>) -> tensor<1x1x20x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1]
      : (tensor<1x1x20x4xf32>, tensor<1x1x20x4xf32>, tensor<1x1x20x4xf32>) -> tensor<1x1x20x4xf32>
  return %o : tensor<1x1x20x4xf32>
}

// Per-head windows give per-head rows; a ragged text tail (6 text tokens in
// blocks of 4) is padded to whole blocks and the result sliced back.
// CHECK-LABEL: func @per_head_ragged_text
// CHECK: tensor.pad
// CHECK: attn.block_sparse {{.*}} -> tensor<1x2x24x4xf32>
// CHECK: tensor.extract_slice {{.*}} to tensor<1x2x22x4xf32>
func.func @per_head_ragged_text(%q: tensor<1x2x22x4xf32>) -> tensor<1x2x22x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] windows [1, 1, 1, 1, 2, 2] text_length 6
      : (tensor<1x2x22x4xf32>, tensor<1x2x22x4xf32>, tensor<1x2x22x4xf32>) -> tensor<1x2x22x4xf32>
  return %o : tensor<1x2x22x4xf32>
}
