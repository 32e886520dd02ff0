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

// A dynamic sequence: the image part (the tile grid) is static, the text
// tokens S_text = S - N_img*P only known at run time, so the block count
// Nb = N_img + ceil(S_text / P) is too. The image tiles' window lists are a
// [H, N_img, W] constant; idx [B, H, Nb, Nb], cnt [B, H, Nb] and
// kv_block_sizes [Nb] are computed per call from it (here each tile's window is itself: counts 1; image rows: windows,
// then every text block; text rows: every block); S >= N_img*P, k/v's
// sequence and the text length are checked at run time; q, k, v padded to
// Nb*P rows, the result sliced back to S.
// CHECK-LABEL: func.func @dynamic_sequence
// CHECK-DAG: arith.constant dense<{{\[\[\[}}0], [1], [2], [3]]]> : tensor<1x4x1xi32>
// CHECK: tensor.dim %arg0, %c2
// CHECK: cf.assert %{{.*}}, "attn.sliding_tile: the sequence is shorter than the 16 image tokens"
// CHECK: cf.assert %{{.*}}, "attn.sliding_tile: k and v must have q's sequence length"
// CHECK: cf.assert %{{.*}}, "attn.sliding_tile: text_length must be in [0, S_text]"
// CHECK: %[[CNT:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x?xi32>)
// CHECK: %[[IDX:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x?x?xi32>)
// CHECK: %[[VBS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?xi32>)
// CHECK: %[[QP:.*]] = tensor.pad %arg0 low[0, 0, 0, 0] high[0, 0, %{{.*}}, 0]
// CHECK: %[[O:.*]] = attn.block_sparse %[[QP]], %{{.*}}, %{{.*}}, %[[IDX]], %[[CNT]], %[[VBS]] block_q 4 block_kv 4 : (tensor<1x1x?x4xf32>
// CHECK: tensor.extract_slice %[[O]][0, 0, 0, 0] [1, 1, %{{.*}}, 4] [1, 1, 1, 1]
// CHECK-NOT: attn.sliding_tile
func.func @dynamic_sequence(%q: tensor<1x1x?x4xf32>) -> tensor<1x1x?x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] window [1, 1, 1] text_length 3
      : (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>) -> tensor<1x1x?x4xf32>
  return %o : tensor<1x1x?x4xf32>
}

// -----

// Each head its own window fixes the heads at windows / 3 = 2: dynamic
// heads are checked equal to 2 at run time, q is cast to 2 heads, the
// static-heads plan applies (per-head tables: head 0 sees its own tile,
// head 1 all four), and the result is cast back.
// CHECK-LABEL: func.func @dynamic_heads_per_head_windows
// CHECK-DAG: %[[CNT:.*]] = arith.constant dense<{{\[\[\[}}1, 1, 1, 1], [4, 4, 4, 4]]]> : tensor<1x2x4xi32>
// CHECK-DAG: %[[H:.*]] = tensor.dim %arg0, %c1 : tensor<1x?x16x4xf32>
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[H]], %c2
// CHECK: cf.assert %[[OK]], "attn.sliding_tile: 'windows' gives 2 query heads, q has another number"
// CHECK: %[[Q:.*]] = tensor.cast %arg0 : tensor<1x?x16x4xf32> to tensor<1x2x16x4xf32>
// CHECK: %[[R:.*]] = attn.block_sparse %[[Q]], {{.*}}, %[[CNT]], {{.*}} : (tensor<1x2x16x4xf32>, {{.*}}) -> tensor<1x2x16x4xf32>
// CHECK: %[[O:.*]] = tensor.cast %[[R]] : tensor<1x2x16x4xf32> to tensor<1x?x16x4xf32>
// CHECK: return %[[O]]
func.func @dynamic_heads_per_head_windows(%q: tensor<1x?x16x4xf32>) -> tensor<1x?x16x4xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [1, 2, 2] tile [1, 2, 2] windows [1, 1, 1, 3, 3, 3]
      : (tensor<1x?x16x4xf32>, tensor<1x?x16x4xf32>, tensor<1x?x16x4xf32>) -> tensor<1x?x16x4xf32>
  return %o : tensor<1x?x16x4xf32>
}

// -----

// The gradient the same way, with a dynamic sequence too (text length as
// an operand): q and dout are cast, dq cast back; dk and dv keep k's and
// v's (static kv heads) types.
// CHECK-LABEL: func.func @grad_dynamic_heads_per_head_windows
// CHECK: cf.assert %{{.*}}, "attn.sliding_tile_grad: 'windows' gives 2 query heads, q has another number"
// CHECK-DAG: %[[Q:.*]] = tensor.cast %arg0 : tensor<1x?x?x4xf32> to tensor<1x2x?x4xf32>
// CHECK-DAG: %[[D:.*]] = tensor.cast %arg2 : tensor<1x?x?x4xf32> to tensor<1x2x?x4xf32>
// CHECK: cf.assert %{{.*}}, "attn.sliding_tile_grad: the sequence is shorter than the 16 image tokens"
// CHECK: %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]] = attn.block_sparse_grad
// CHECK: %[[DQS:.*]] = tensor.extract_slice %[[DQ]]{{.*}} to tensor<1x2x?x4xf32>
// CHECK: %[[DQC:.*]] = tensor.cast %[[DQS]] : tensor<1x2x?x4xf32> to tensor<1x?x?x4xf32>
// CHECK: return %[[DQC]]
func.func @grad_dynamic_heads_per_head_windows(%q: tensor<1x?x?x4xf32>, %k: tensor<1x1x?x4xf32>,
                                               %d: tensor<1x?x?x4xf32>, %n: i64)
    -> (tensor<1x?x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>) {
  %dq, %dk, %dv = attn.sliding_tile_grad %q, %k, %k, %d tile_grid [1, 2, 2] tile [1, 2, 2]
      windows [1, 1, 1, 3, 3, 3] text_length %n
      : (tensor<1x?x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x?x?x4xf32>, i64)
      -> (tensor<1x?x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>)
  return %dq, %dk, %dv : tensor<1x?x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>
}

// -----

// A run-time tile grid: each size asserted >= 1, the windows computed per
// call from the grid (the per-head radii [H, 3] are the only constant; no
// window table is planned), tables [B, H, Nb, Nb] with Nb = N_img + Nt.
// CHECK-LABEL: func.func @run_time_tile_grid
// CHECK-DAG: arith.constant dense<{{\[}}[0, 0, 1], [1, 1, 0]]> : tensor<2x3xi64>
// CHECK: cf.assert %{{.*}}, "attn.sliding_tile: tile_grid sizes must be >= 1"
// CHECK: cf.assert %{{.*}}, "attn.sliding_tile: tile_grid sizes must be >= 1"
// CHECK: cf.assert %{{.*}}, "attn.sliding_tile: the sequence is shorter than the image tokens"
// CHECK-NOT: arith.constant dense<{{.*}}> : tensor<{{.*}}xi32>
// CHECK: attn.block_sparse {{.*}} block_q 8 block_kv 8 : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x?xi32>, tensor<1x2x?xi32>, tensor<?xi32>)
// CHECK-NOT: attn.sliding_tile
func.func @run_time_tile_grid(%q: tensor<1x2x?x8xf32>, %t: index, %w: index) -> tensor<1x2x?x8xf32> {
  %o = attn.sliding_tile %q, %q, %q tile_grid [%t, 2, %w] tile [1, 2, 4] windows [1, 1, 3, 3, 3, 1]
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, index, index) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
