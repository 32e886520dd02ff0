// RUN: attn-opt %s --attn-fold-layout --mlir-print-elementsattrs-with-hex-if-larger=-1 -split-input-file | FileCheck %s

// Adjacent layers: untile -> token-wise op -> tile cancels when the next
// consumer ignores pads (vsa with this tiling's valid sizes, then untile).
// CHECK-LABEL: func @pair_cancels_through_tokenwise_op
// CHECK: %[[A:.*]] = attn.vsa
// CHECK-NOT: attn.tile
// CHECK: %[[S:.*]] = arith.mulf %[[A]], %[[A]] : tensor<1x1x24x8xf32>
// CHECK: %[[B:.*]] = attn.vsa %[[S]], %[[S]], %[[S]]
// CHECK: attn.untile %[[B]]
func.func @pair_cancels_through_tokenwise_op(%t: tensor<1x1x24x8xf32>) -> tensor<1x1x15x8xf32> {
  %vbs = arith.constant dense<[4, 4, 2, 2, 2, 1]> : tensor<6xi32>
  %a = attn.vsa %t, %t, %t q_block_sizes %vbs kv_block_sizes %vbs block 4 topk 2 : (tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x1x24x8xf32>
  %u = attn.untile %a grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  %s = arith.mulf %u, %u : tensor<1x1x15x8xf32>
  %t2 = attn.tile %s grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
  %b = attn.vsa %t2, %t2, %t2 q_block_sizes %vbs kv_block_sizes %vbs block 4 topk 2 : (tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x1x24x8xf32>
  %out = attn.untile %b grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  return %out : tensor<1x1x15x8xf32>
}

// -----

// The tiled value is returned: its pad slots are observable, so tile(untile)
// is not dropped; it becomes one gather that zeroes the pads.
// CHECK-LABEL: func @returned_tile_keeps_zero_pads
// CHECK: %[[IDX:.*]] = arith.constant dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, 12, 13, -1, -1, 16, 17, -1, -1, 20, -1, -1, -1]> : tensor<24xi32>
// CHECK: linalg.generic {{.*}} ins(%[[IDX]] : tensor<24xi32>)
// CHECK-NOT: attn.tile
// CHECK-NOT: attn.untile
func.func @returned_tile_keeps_zero_pads(%y: tensor<1x1x24x8xf32>) -> tensor<1x1x24x8xf32> {
  %u = attn.untile %y grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  %t = attn.tile %u grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
  return %t : tensor<1x1x24x8xf32>
}

// -----

// Different tilings (VSA's 4x4x4 layers feeding STA-like 1x2x4 tiles): one
// gather with the composed constant index instead of untile + tile.
// CHECK-LABEL: func @retile_is_one_gather
// CHECK: arith.constant dense<[0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31]> : tensor<32xi32>
// CHECK: linalg.generic
// CHECK-NOT: attn.untile
func.func @retile_is_one_gather(%y: tensor<1x1x32x4xf32>) -> tensor<1x1x32x4xf32> {
  %u = attn.untile %y grid [1, 4, 8] tile [1, 4, 4] : tensor<1x1x32x4xf32>
  %t = attn.tile %u grid [1, 4, 8] tile [1, 2, 4] : tensor<1x1x32x4xf32>
  return %t : tensor<1x1x32x4xf32>
}

// -----

// A token-mixing op between untile and tile (a reversal of the token axis
// through linalg.index) blocks the commute: the pair stays.
// CHECK-LABEL: func @token_mixing_op_blocks
// CHECK: attn.untile
// CHECK: linalg.generic
// CHECK: attn.tile
#id = affine_map<(b, h, s, d) -> (b, h, s, d)>
func.func @token_mixing_op_blocks(%a: tensor<1x1x24x8xf32>, %vbs: tensor<6xi32>) -> tensor<1x1x15x8xf32> {
  %cvbs = arith.constant dense<[4, 4, 2, 2, 2, 1]> : tensor<6xi32>
  %u = attn.untile %a grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  %e = tensor.empty() : tensor<1x1x15x8xf32>
  %r = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x1x15x8xf32>) {
  ^bb0(%o: f32):
    %b = linalg.index 0 : index
    %h = linalg.index 1 : index
    %s = linalg.index 2 : index
    %d = linalg.index 3 : index
    %c14 = arith.constant 14 : index
    %rs = arith.subi %c14, %s : index
    %v = tensor.extract %u[%b, %h, %rs, %d] : tensor<1x1x15x8xf32>
    linalg.yield %v : f32
  } -> tensor<1x1x15x8xf32>
  %t = attn.tile %r grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
  %b2 = attn.vsa %t, %t, %t q_block_sizes %cvbs kv_block_sizes %cvbs block 4 topk 2 : (tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x1x24x8xf32>
  %out = attn.untile %b2 grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  return %out : tensor<1x1x15x8xf32>
}

// -----

// Block sizes that are not this tiling's constant valid sizes (an argument)
// do not prove the pads are ignored: the pair becomes a zeroing gather.
// CHECK-LABEL: func @unknown_sizes_keep_pads
// CHECK: linalg.generic
// CHECK: attn.vsa
func.func @unknown_sizes_keep_pads(%y: tensor<1x1x24x8xf32>, %vbs: tensor<6xi32>) -> tensor<1x1x15x8xf32> {
  %u = attn.untile %y grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  %t = attn.tile %u grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
  %b = attn.vsa %t, %t, %t q_block_sizes %vbs kv_block_sizes %vbs block 4 topk 2 : (tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x1x24x8xf32>
  %out = attn.untile %b grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  return %out : tensor<1x1x15x8xf32>
}

// -----

// A layer loop carries the tiled value: one tile before, one untile after.
// CHECK-LABEL: func @layer_loop_carries_tiled
// CHECK: %[[T0:.*]] = attn.tile %{{.*}} grid [1, 3, 5] tile [1, 2, 2]
// CHECK: %[[R:.*]] = scf.for {{.*}} iter_args(%[[X:.*]] = %[[T0]]) -> (tensor<1x1x24x8xf32>)
// CHECK-NOT: attn.tile
// CHECK-NOT: attn.untile
// CHECK: scf.yield
// CHECK: attn.untile %[[R]] grid [1, 3, 5] tile [1, 2, 2]
func.func @layer_loop_carries_tiled(%x0: tensor<1x1x15x8xf32>) -> tensor<1x1x15x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %vbs = arith.constant dense<[4, 4, 2, 2, 2, 1]> : tensor<6xi32>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%x = %x0) -> tensor<1x1x15x8xf32> {
    %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
    %a = attn.vsa %t, %t, %t q_block_sizes %vbs kv_block_sizes %vbs block 4 topk 2 : (tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x1x24x8xf32>
    %u = attn.untile %a grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
    %y = arith.addf %x, %u : tensor<1x1x15x8xf32>
    scf.yield %y : tensor<1x1x15x8xf32>
  }
  return %r : tensor<1x1x15x8xf32>
}

// -----

// The tiled value also feeds sdpa as keys, which would attend to pad slots:
// the loop is left in raster form.
// CHECK-LABEL: func @pad_sensitive_keys_block_loop
// CHECK: scf.for {{.*}} -> (tensor<1x1x15x8xf32>)
// CHECK: attn.tile
// CHECK: attn.untile
func.func @pad_sensitive_keys_block_loop(%x0: tensor<1x1x15x8xf32>) -> tensor<1x1x15x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %vbs = arith.constant dense<[4, 4, 2, 2, 2, 1]> : tensor<6xi32>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%x = %x0) -> tensor<1x1x15x8xf32> {
    %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
    %a = attn.sdpa %t, %t, %t : (tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>) -> tensor<1x1x24x8xf32>
    %u = attn.untile %a grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
    scf.yield %u : tensor<1x1x15x8xf32>
  }
  return %r : tensor<1x1x15x8xf32>
}

// -----

// Commuting would run a trapping op (integer division) on the zero pads:
// divsi is not speculatable, so the tile stays after it.
// CHECK-LABEL: func @trapping_op_not_commuted
// CHECK: arith.divsi %{{.*}}, %{{.*}} : tensor<1x1x15x2xi32>
// CHECK: attn.tile
func.func @trapping_op_not_commuted(%x: tensor<1x1x15x2xi32>, %y: tensor<1x1x15x2xi32>) -> tensor<1x1x15x2xi32> {
  %d = arith.divsi %x, %y : tensor<1x1x15x2xi32>
  %t = attn.tile %d grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x2xi32>
  %w = arith.addi %t, %t : tensor<1x1x24x2xi32>
  %u = attn.untile %w grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x2xi32>
  return %u : tensor<1x1x15x2xi32>
}

// -----

// A dynamically shaped loop-carried value is left alone (retyping the loop
// would need casts).
// CHECK-LABEL: func @dynamic_carried_value_stays
// CHECK: scf.for {{.*}} -> (tensor<1x1x?x8xf32>)
// CHECK: attn.tile
func.func @dynamic_carried_value_stays(%x0: tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%x = %x0) -> tensor<1x1x?x8xf32> {
    %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x?x8xf32>
    %n = arith.negf %t : tensor<1x1x24x8xf32>
    %u = attn.untile %n grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
    %uc = tensor.cast %u : tensor<1x1x15x8xf32> to tensor<1x1x?x8xf32>
    scf.yield %uc : tensor<1x1x?x8xf32>
  }
  return %r : tensor<1x1x?x8xf32>
}

// -----

// Unsafe: besides the vsa (which ignores pads), the tiled value is read by a
// block mean without block sizes, which averages the pad slots too. The pair
// may not cancel; both readers get the gather that zeroes the pads.
// CHECK-LABEL: func @second_pad_sensitive_reader
// CHECK-SAME: (%[[Y:.*]]: tensor<1x1x24x8xf32>)
// CHECK-NOT: attn.vsa %[[Y]]
// CHECK: %[[G:.*]] = linalg.generic
// CHECK-NOT: attn.vsa %[[Y]]
// CHECK: attn.vsa %[[G]], %[[G]], %[[G]]
// CHECK: attn.block_mean %[[G]] block 4
func.func @second_pad_sensitive_reader(%y: tensor<1x1x24x8xf32>) -> (tensor<1x1x15x8xf32>, tensor<1x1x6x8xf32>) {
  %vbs = arith.constant dense<[4, 4, 2, 2, 2, 1]> : tensor<6xi32>
  %u = attn.untile %y grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  %t = attn.tile %u grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
  %b = attn.vsa %t, %t, %t q_block_sizes %vbs kv_block_sizes %vbs block 4 topk 2 : (tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x1x24x8xf32>
  %m = attn.block_mean %t block 4 : tensor<1x1x24x8xf32>
  %out = attn.untile %b grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  return %out, %m : tensor<1x1x15x8xf32>, tensor<1x1x6x8xf32>
}

// -----

// Unsafe: the token-wise op's raster result has a second use (the residual
// after the layer), so it cannot move behind the tile: it stays on raster
// tokens and the tile stays after it.
// CHECK-LABEL: func @tokenwise_op_with_two_uses_stays
// CHECK: %[[U:.*]] = attn.untile
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[U]], %[[U]] : tensor<1x1x15x8xf32>
// CHECK-NEXT: %[[T:.*]] = attn.tile %[[S]] grid [1, 3, 5] tile [1, 2, 2]
// CHECK-NEXT: attn.vsa %[[T]], %[[T]], %[[T]]
// CHECK: arith.addf %{{.*}}, %[[S]] : tensor<1x1x15x8xf32>
func.func @tokenwise_op_with_two_uses_stays(%y: tensor<1x1x24x8xf32>) -> tensor<1x1x15x8xf32> {
  %vbs = arith.constant dense<[4, 4, 2, 2, 2, 1]> : tensor<6xi32>
  %u = attn.untile %y grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  %s = arith.mulf %u, %u : tensor<1x1x15x8xf32>
  %t = attn.tile %s grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
  %b = attn.vsa %t, %t, %t q_block_sizes %vbs kv_block_sizes %vbs block 4 topk 2 : (tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x1x24x8xf32>
  %out = attn.untile %b grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  %r = arith.addf %out, %s : tensor<1x1x15x8xf32>
  return %r : tensor<1x1x15x8xf32>
}

// -----

// Unsafe: the vsa blocks (8 tokens) are not the tiles (4 slots): a block
// spans two tiles, so its valid tokens are not a prefix and block sizes
// cannot exclude the pads. The pair becomes the zeroing gather.
// CHECK-LABEL: func @block_size_not_tile_size
// CHECK-SAME: (%[[Y:.*]]: tensor<1x1x24x8xf32>)
// CHECK: %[[G:.*]] = linalg.generic
// CHECK-NOT: attn.vsa %[[Y]]
// CHECK: attn.vsa %[[G]], %[[G]], %[[G]]
func.func @block_size_not_tile_size(%y: tensor<1x1x24x8xf32>) -> tensor<1x1x15x8xf32> {
  %vbs = arith.constant dense<[8, 4, 3]> : tensor<3xi32>
  %u = attn.untile %y grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  %t = attn.tile %u grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x8xf32>
  %b = attn.vsa %t, %t, %t q_block_sizes %vbs kv_block_sizes %vbs block 8 topk 2 : (tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<3xi32>, tensor<3xi32>) -> tensor<1x1x24x8xf32>
  %out = attn.untile %b grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x8xf32>
  return %out : tensor<1x1x15x8xf32>
}
