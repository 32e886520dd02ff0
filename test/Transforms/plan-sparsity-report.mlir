// RUN: attn-opt %s --attn-plan-sparsity=report -o /dev/null 2>&1 | FileCheck %s
// RUN: attn-opt %s --attn-optimize=report -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE
// RUN: attn-opt %s --attn-plan-sparsity -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// The same picture as attn_mlir.viz.render(viz.sta_pattern(...)) draws:
// RUN: attn-opt %s --attn-plan-sparsity=report -o /dev/null 2>&1 | %python %S/Inputs/compare_with_viz.py %attn_src/python
//
// attn-plan-sparsity's report draws each plan's block pattern as text, one
// line per query block, ██ attended / ░░ skipped kv blocks.
// QUIET-NOT: remark

// The shifted window of 3 tiles on a row of 4 (rows [0,1,2], [0,1,2],
// [1,2,3], [1,2,3], as plan-sparsity.mlir's tables).
// CHECK: remark: attn-plan-sparsity: tile_grid [1, 1, 4] tile [1, 1, 2] window(s) [1, 1, 3] text_length 0: 4 blocks of 2 tokens (4 image tiles, 0 text blocks), at most 3 kv blocks per query block
// CHECK-NEXT: head 0: 4x4 blocks, 12 of 16 blocks attended (density 75.00%)
// CHECK-NEXT: {{^}}██████░░{{$}}
// CHECK-NEXT: {{^}}██████░░{{$}}
// CHECK-NEXT: {{^}}░░██████{{$}}
// CHECK-NEXT: {{^}}░░██████{{$}}
// PIPE: remark: attn-plan-sparsity: tile_grid [1, 1, 4]
// PIPE-NEXT: head 0: 4x4 blocks, 12 of 16 blocks attended
func.func @shifted_window_1d(%q: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 1, 4] tile [1, 1, 2] window [1, 1, 3]
      : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}

// Per-head windows draw one picture per head; text blocks (6 tokens in
// blocks of 4, both valid) are the last rows and columns: image tiles see
// their window plus the text, text blocks see everything.
// CHECK: remark: attn-plan-sparsity: tile_grid [1, 2, 2] tile [1, 2, 2] window(s) [1, 1, 1, 1, 2, 2] text_length 6: 6 blocks of 4 tokens (4 image tiles, 2 text blocks), at most 6 kv blocks per query block
// CHECK-NEXT: head 0: 6x6 blocks, 24 of 36 blocks attended (density 66.67%)
// CHECK-NEXT: {{^}}██░░░░░░████{{$}}
// CHECK-NEXT: {{^}}░░██░░░░████{{$}}
// CHECK-NEXT: {{^}}░░░░██░░████{{$}}
// CHECK-NEXT: {{^}}░░░░░░██████{{$}}
// CHECK-NEXT: {{^}}████████████{{$}}
// CHECK-NEXT: {{^}}████████████{{$}}
// CHECK-NEXT: head 1: 6x6 blocks, 36 of 36 blocks attended (density 100.00%)
func.func @per_head_text(%q: tensor<1x2x22x4xf32>) -> tensor<1x2x22x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] windows [1, 1, 1, 1, 2, 2] text_length 6
      : (tensor<1x2x22x4xf32>, tensor<1x2x22x4xf32>, tensor<1x2x22x4xf32>) -> tensor<1x2x22x4xf32>
  return %o : tensor<1x2x22x4xf32>
}

// Heads with equal windows share one picture.
// CHECK: remark: attn-plan-sparsity: tile_grid [1, 2, 2] tile [1, 2, 2] window(s) [1, 1, 1, 1, 1, 1, 1, 2, 2]
// CHECK-NEXT: heads 0-1: 4x4 blocks, 4 of 16 blocks attended (density 25.00%)
// CHECK: head 2: 4x4 blocks, 16 of 16 blocks attended
func.func @shared_heads(%q: tensor<1x3x16x4xf32>) -> tensor<1x3x16x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] windows [1, 1, 1, 1, 1, 1, 1, 2, 2]
      : (tensor<1x3x16x4xf32>, tensor<1x3x16x4xf32>, tensor<1x3x16x4xf32>) -> tensor<1x3x16x4xf32>
  return %o : tensor<1x3x16x4xf32>
}

// More than 64 blocks: the first 64 rows and columns, cut rows end in
// " ...", a "..." line ends the picture.
// CHECK: remark: attn-plan-sparsity: tile_grid [1, 1, 70]
// CHECK-NEXT: head 0: 70x70 blocks, 210 of 4900 blocks attended (density 4.29%)
// CHECK-NEXT: {{^}}██████░░{{(░░)+}} ...{{$}}
// CHECK-COUNT-63: {{^[█░]+}} ...{{$}}
// CHECK-NEXT: {{^}}...{{$}}
func.func @cut(%q: tensor<1x1x70x4xf32>) -> tensor<1x1x70x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 1, 70] tile [1, 1, 1] window [1, 1, 3]
      : (tensor<1x1x70x4xf32>, tensor<1x1x70x4xf32>, tensor<1x1x70x4xf32>) -> tensor<1x1x70x4xf32>
  return %o : tensor<1x1x70x4xf32>
}

// A 3-D grid (compared row by row with viz.render by the last RUN line).
// CHECK: remark: attn-plan-sparsity: tile_grid [2, 3, 4] tile [1, 1, 1] window(s) [1, 3, 3]
// CHECK-NEXT: head 0: 24x24 blocks
func.func @grid_3d(%q: tensor<1x1x24x4xf32>) -> tensor<1x1x24x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [2, 3, 4] tile [1, 1, 1] window [1, 3, 3]
      : (tensor<1x1x24x4xf32>, tensor<1x1x24x4xf32>, tensor<1x1x24x4xf32>) -> tensor<1x1x24x4xf32>
  return %o : tensor<1x1x24x4xf32>
}
