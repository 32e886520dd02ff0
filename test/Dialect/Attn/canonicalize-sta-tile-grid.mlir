// RUN: attn-opt %s -canonicalize | FileCheck %s

// STA's tile_grid: constant operands >= 1 become static sizes (all static:
// the planned-table path); 0 stays an operand (the run-time check reports
// it), and so do constants whose static form would not fit the sequence.
// CHECK-LABEL: func.func @sta_tile_grid_constants
// CHECK: attn.sliding_tile %arg0, %arg0, %arg0 tile_grid [2, %{{.*}}, %arg1] tile [1, 2, 2] window [1, 1, 1] text_length %arg2 : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, index, index, i64)
// CHECK: %[[S:.*]] = attn.sliding_tile %arg3, %arg3, %arg3 tile_grid [2, 2, 2] tile [1, 2, 2] window [1, 1, 1] : (tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>) -> tensor<1x2x40x8xf32>
// CHECK: attn.sliding_tile %[[S]], %[[S]], %[[S]] tile_grid [%{{.*}}, 2, %{{.*}}] tile [1, 2, 2] window [1, 1, 1] : (tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, index, index)
func.func @sta_tile_grid_constants(%q: tensor<1x2x?x8xf32>, %w: index, %n: i64, %x: tensor<1x2x40x8xf32>)
    -> (tensor<1x2x?x8xf32>, tensor<1x2x40x8xf32>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c9 = arith.constant 9 : index
  %o = attn.sliding_tile %q, %q, %q tile_grid [%c2, %c0, %w] tile [1, 2, 2] window [1, 1, 1] text_length %n
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, index, index, index, i64) -> tensor<1x2x?x8xf32>
  %s = attn.sliding_tile %x, %x, %x tile_grid [%c2, 2, %c2] tile [1, 2, 2] window [1, 1, 1]
      : (tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, index, index) -> tensor<1x2x40x8xf32>
  %p = attn.sliding_tile %s, %s, %s tile_grid [%c9, 2, %c2] tile [1, 2, 2] window [1, 1, 1]
      : (tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, index, index) -> tensor<1x2x40x8xf32>
  return %o, %p : tensor<1x2x?x8xf32>, tensor<1x2x40x8xf32>
}
