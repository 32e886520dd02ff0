// attn.tile / attn.untile with run-time grid sizes (index operands in the
// grid list, mixed with static ones): parse, print, infer a dynamic token
// count, fold untile(tile(x)) only with the same grid operands; the checks
// that remain static (the tile, static grid sizes, the operand count).
// RUN: attn-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: attn-opt %s -split-input-file -verify-diagnostics -canonicalize | FileCheck %s --check-prefix=FOLD

// CHECK-LABEL: func.func @mixed(
// CHECK: %[[T:.*]] = attn.tile %arg0 grid [%arg1, 30, %arg2] tile [4, 4, 4] : tensor<1x12x?x128xbf16>
// CHECK: attn.untile %[[T]] grid [%arg1, 30, %arg2] tile [4, 4, 4] : tensor<1x12x?x128xbf16>
// FOLD-LABEL: func.func @mixed(
// FOLD-NEXT: return %arg0
func.func @mixed(%x: tensor<1x12x?x128xbf16>, %t: index, %w: index) -> tensor<1x12x?x128xbf16> {
  %y = attn.tile %x grid [%t, 30, %w] tile [4, 4, 4] : tensor<1x12x?x128xbf16>
  %z = attn.untile %y grid [%t, 30, %w] tile [4, 4, 4] : tensor<1x12x?x128xbf16>
  return %z : tensor<1x12x?x128xbf16>
}

// -----

// Another run-time grid: no fold.
// FOLD-LABEL: func.func @other_grid(
// FOLD: attn.tile
// FOLD: attn.untile
func.func @other_grid(%x: tensor<1x1x?x8xf32>, %t: index, %u: index) -> tensor<1x1x?x8xf32> {
  %y = attn.tile %x grid [%t, 2, 2] tile [1, 2, 2] : tensor<1x1x?x8xf32>
  %z = attn.untile %y grid [%u, 2, 2] tile [1, 2, 2] : tensor<1x1x?x8xf32>
  return %z : tensor<1x1x?x8xf32>
}

// -----

// A static input with a run-time grid: the token count is checked at run
// time; the result's is dynamic.
// CHECK-LABEL: func.func @static_input(
// CHECK: attn.tile %arg0 grid [%arg1, %arg1, 4] tile [2, 2, 2] : tensor<1x2x64x8xf32>
func.func @static_input(%x: tensor<1x2x64x8xf32>, %n: index) -> tensor<1x2x?x8xf32> {
  %y = attn.tile %x grid [%n, %n, 4] tile [2, 2, 2] : tensor<1x2x64x8xf32>
  return %y : tensor<1x2x?x8xf32>
}

// -----

func.func @bad_tile(%x: tensor<1x2x?x8xf32>, %n: index) {
  // expected-error @+1 {{'attn.tile' op attribute 'tile' values must be in [1, 4096], got 0 at position 1}}
  %y = attn.tile %x grid [%n, 2, 2] tile [1, 0, 2] : tensor<1x2x?x8xf32>
  return
}

// -----

func.func @bad_static_size(%x: tensor<1x2x?x8xf32>, %n: index) {
  // expected-error @+1 {{'attn.untile' op attribute 'grid' values must be >= 1, got 0 at position 2}}
  %y = attn.untile %x grid [%n, 2, 0] tile [1, 2, 2] : tensor<1x2x?x8xf32>
  return
}

// -----

func.func @operand_count(%x: tensor<1x2x?x8xf32>, %n: index) {
  // expected-error @+2 {{'attn.tile' op 'grid' has 1 run-time sizes but 2 index operands}}
  // expected-error @+1 {{'attn.tile' op failed to infer returned types}}
  %y = "attn.tile"(%x, %n, %n) <{grid = array<i64: -9223372036854775808, 2, 2>, tile = array<i64: 1, 2, 2>}> : (tensor<1x2x?x8xf32>, index, index) -> tensor<1x2x?x8xf32>
  return
}

// -----

// Constant grid operands become static sizes; with all three static the
// result type is static again (cast back for its users).
// FOLD-LABEL: func.func @constant_grid(
// FOLD: %[[T:.*]] = attn.tile %arg0 grid [4, 2, 2] tile [1, 2, 2] : tensor<1x1x16x8xf32>
// FOLD: %[[C:.*]] = tensor.cast %[[T]] : tensor<1x1x16x8xf32> to tensor<1x1x?x8xf32>
// FOLD: return %[[C]]
func.func @constant_grid(%x: tensor<1x1x16x8xf32>) -> tensor<1x1x?x8xf32> {
  %c4 = arith.constant 4 : index
  %y = attn.tile %x grid [%c4, 2, 2] tile [1, 2, 2] : tensor<1x1x16x8xf32>
  return %y : tensor<1x1x?x8xf32>
}

// -----

// attn.tile_block_sizes: [N] for a static grid, [?] for a run-time one.
// CHECK-LABEL: func.func @block_sizes(
// CHECK: %{{.*}} = attn.tile_block_sizes grid [1, 3, 5] tile [1, 2, 2]
// CHECK: %{{.*}} = attn.tile_block_sizes grid [%arg0, 30, 52] tile [4, 4, 4]
func.func @block_sizes(%t: index) -> (tensor<6xi32>, tensor<?xi32>) {
  %a = attn.tile_block_sizes grid [1, 3, 5] tile [1, 2, 2]
  %b = attn.tile_block_sizes grid [%t, 30, 52] tile [4, 4, 4]
  return %a, %b : tensor<6xi32>, tensor<?xi32>
}

// -----

func.func @block_sizes_bad_grid() {
  // expected-error @+1 {{'attn.tile_block_sizes' op attribute 'grid' values must be in [1, 2^20], got 0 at position 0}}
  %a = attn.tile_block_sizes grid [0, 3, 5] tile [1, 2, 2]
  return
}

// -----

func.func @block_sizes_bad_tile(%t: index) {
  // expected-error @+1 {{'attn.tile_block_sizes' op attribute 'tile' must have 3 values (a, b, c), got 2}}
  %a = attn.tile_block_sizes grid [%t, 3, 5] tile [1, 2]
  return
}

// -----

// A static grid's block sizes fold to a constant; a constant operand first
// becomes a static size.
// FOLD-LABEL: func.func @block_sizes_fold(
// FOLD-DAG: %[[A:.*]] = arith.constant dense<[4, 4, 2, 2, 2, 1]> : tensor<6xi32>
// FOLD-DAG: %[[B:.*]] = tensor.cast %[[A]] : tensor<6xi32> to tensor<?xi32>
// FOLD: return %[[A]], %[[B]]
func.func @block_sizes_fold() -> (tensor<6xi32>, tensor<?xi32>) {
  %c1 = arith.constant 1 : index
  %a = attn.tile_block_sizes grid [1, 3, 5] tile [1, 2, 2]
  %b = attn.tile_block_sizes grid [%c1, 3, 5] tile [1, 2, 2]
  return %a, %b : tensor<6xi32>, tensor<?xi32>
}

