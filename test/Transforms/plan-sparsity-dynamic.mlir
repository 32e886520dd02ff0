// RUN: attn-opt %s --attn-plan-sparsity -split-input-file -verify-diagnostics | FileCheck %s

// A dynamic batch: the per-head tables are [H, Nb, K] constants broadcast
// over the run's batch.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK-DAG: %[[IDX:.*]] = arith.constant dense<{{.*}}> : tensor<1x4x1xi32>
// CHECK-DAG: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[B]]) : tensor<?x1x4x1xi32>
// CHECK: linalg.broadcast ins(%[[IDX]] : tensor<1x4x1xi32>) outs(%[[E]] : tensor<?x1x4x1xi32>) dimensions = [0]
// CHECK: attn.block_sparse {{.*}} block_q 4 block_kv 4 : (tensor<?x1x16x4xf32>, {{.*}}, tensor<?x1x4x1xi32>, tensor<?x1x4xi32>, tensor<4xi32>)
// CHECK-NOT: attn.sliding_tile
func.func @dynamic_batch(%q: tensor<?x1x16x4xf32>) -> tensor<?x1x16x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1]
      : (tensor<?x1x16x4xf32>, tensor<?x1x16x4xf32>, tensor<?x1x16x4xf32>) -> tensor<?x1x16x4xf32>
  return %o : tensor<?x1x16x4xf32>
}

// -----

// A run-time text length: every text block is planned, kv_block_sizes are
// computed per call after checking 0 <= n <= S_text (4 here).
// CHECK-LABEL: func.func @text_length_operand
// CHECK: %[[GE:.*]] = arith.cmpi sge, %arg1, %c0_i64
// CHECK: %[[LE:.*]] = arith.cmpi sle, %arg1, %c4_i64
// CHECK: %[[OK:.*]] = arith.andi %[[GE]], %[[LE]]
// CHECK: cf.assert %[[OK]], "attn.sliding_tile: text_length must be in [0, S_text = 4]"
// CHECK: %[[VBS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<5xi32>)
// CHECK: arith.subi %arg1
// CHECK: attn.block_sparse %arg0, %arg0, %arg0, %{{.*}}, %{{.*}}, %[[VBS]] block_q 4 block_kv 4
func.func @text_length_operand(%q: tensor<1x1x20x4xf32>, %n: i64) -> tensor<1x1x20x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length %n
      : (tensor<1x1x20x4xf32>, tensor<1x1x20x4xf32>, tensor<1x1x20x4xf32>, i64) -> tensor<1x1x20x4xf32>
  return %o : tensor<1x1x20x4xf32>
}

// -----

// Dynamic query heads with one window for all heads (and a dynamic
// head_dim): one head is planned and its rows broadcast over [B, H].
// CHECK-LABEL: func.func @dynamic_heads_one_window
// CHECK-DAG: %[[IDX:.*]] = arith.constant dense<{{.*}}> : tensor<4x1xi32>
// CHECK-DAG: %[[H:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[E:.*]] = tensor.empty(%[[H]]) : tensor<2x?x4x1xi32>
// CHECK: linalg.broadcast ins(%[[IDX]] : tensor<4x1xi32>) outs(%[[E]] : tensor<2x?x4x1xi32>) dimensions = [0, 1]
// CHECK-NOT: attn.sliding_tile
func.func @dynamic_heads_one_window(%q: tensor<2x?x16x?xf32>) -> tensor<2x?x16x?xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1]
      : (tensor<2x?x16x?xf32>, tensor<2x?x16x?xf32>, tensor<2x?x16x?xf32>) -> tensor<2x?x16x?xf32>
  return %o : tensor<2x?x16x?xf32>
}

// -----

// The plan needs the sequence (it fixes the text blocks), and the heads when
// each has its own window: those dynamic are reported, and the op is left
// alone rather than planned wrongly.
func.func @dynamic_sequence(%q: tensor<1x1x?x4xf32>) -> tensor<1x1x?x4xf32> {
  // expected-error @+1 {{attn-plan-sparsity needs a static sequence, and static query heads with per-head 'windows' (a dynamic sequence is not yet supported by this pass)}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1]
      : (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>) -> tensor<1x1x?x4xf32>
  return %o : tensor<1x1x?x4xf32>
}

// -----

func.func @dynamic_heads_per_head_windows(%q: tensor<1x?x16x4xf32>) -> tensor<1x?x16x4xf32> {
  // expected-error @+1 {{attn-plan-sparsity needs a static sequence, and static query heads with per-head 'windows'}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] windows [1, 1, 1, 3, 3, 3]
      : (tensor<1x?x16x4xf32>, tensor<1x?x16x4xf32>, tensor<1x?x16x4xf32>) -> tensor<1x?x16x4xf32>
  return %o : tensor<1x?x16x4xf32>
}
