// RUN: attn-opt %s --attn-hoist-masks | FileCheck %s
// RUN: attn-opt %s --attn-hoist-masks=report -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// A text mask rebuilt in every layer of every step climbs out of both loops;
// the copy built by a second layer merges with the first.
// CHECK-LABEL: func @mask_out_of_step_and_layer_loops
// CHECK-SAME: (%[[LEN:.*]]: tensor<2xi32>
// CHECK: %[[M:.*]] = attn.mask_from_lengths %[[LEN]] size 16
// CHECK-NOT: attn.mask_from_lengths
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NOT: attn.mask_from_lengths
// CHECK: attn.sdpa %{{.*}}, %{{.*}}, %{{.*}} key_mask %[[M]]
// CHECK: attn.sdpa %{{.*}}, %{{.*}}, %{{.*}} key_mask %[[M]]
func.func @mask_out_of_step_and_layer_loops(%len: tensor<2xi32>, %x: tensor<2x1x16x8xf32>) -> tensor<2x1x16x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %step = %c0 to %c4 step %c1 iter_args(%a = %x) -> tensor<2x1x16x8xf32> {
    %r2 = scf.for %layer = %c0 to %c4 step %c1 iter_args(%b = %a) -> tensor<2x1x16x8xf32> {
      %m = attn.mask_from_lengths %len size 16 : tensor<2xi32>
      %o = attn.sdpa %b, %b, %b key_mask %m : (tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x16xi1>) -> tensor<2x1x16x8xf32>
      %m2 = attn.mask_from_lengths %len size 16 : tensor<2xi32>
      %o2 = attn.sdpa %o, %o, %o key_mask %m2 : (tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x16xi1>) -> tensor<2x1x16x8xf32>
      scf.yield %o2 : tensor<2x1x16x8xf32>
    }
    scf.yield %r2 : tensor<2x1x16x8xf32>
  }
  return %r : tensor<2x1x16x8xf32>
}

// Index tables (constants, arithmetic on them) leave the loop; block_topk of
// the layer's own scores does not.
// CHECK-LABEL: func @tables_hoisted_topk_of_loop_values_stays
// CHECK-DAG: arith.constant dense<[16, 16, 8, 8]> : tensor<4xi32>
// CHECK-DAG: arith.constant dense<4> : tensor<4xi32>
// CHECK: arith.subi
// CHECK: scf.for
// CHECK: attn.block_topk
// CHECK: attn.block_sparse
func.func @tables_hoisted_topk_of_loop_values_stays(%x: tensor<1x1x64x8xf32>, %s0: tensor<1x1x4x4xf32>) -> tensor<1x1x64x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r:2 = scf.for %i = %c0 to %c3 step %c1 iter_args(%a = %x, %sc = %s0) -> (tensor<1x1x64x8xf32>, tensor<1x1x4x4xf32>) {
    %full = arith.constant dense<[16, 16, 8, 8]> : tensor<4xi32>
    %four = arith.constant dense<4> : tensor<4xi32>
    %vbs = arith.subi %full, %four : tensor<4xi32>
    %idx, %cnt = attn.block_topk %sc k 2 : tensor<1x1x4x4xf32>
    %o = attn.block_sparse %a, %a, %a, %idx, %cnt, %vbs block_q 16 block_kv 16 : (tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32>, tensor<1x1x4x2xi32>, tensor<1x1x4xi32>, tensor<4xi32>) -> tensor<1x1x64x8xf32>
    %sc2 = arith.addf %sc, %sc : tensor<1x1x4x4xf32>
    scf.yield %o, %sc2 : tensor<1x1x64x8xf32>, tensor<1x1x4x4xf32>
  }
  return %r#0 : tensor<1x1x64x8xf32>
}

// A mask from lengths computed inside the loop stays in the loop.
// CHECK-LABEL: func @mask_of_loop_lengths_stays
// CHECK: scf.for
// CHECK: arith.addi
// CHECK: attn.mask_from_lengths
func.func @mask_of_loop_lengths_stays(%len: tensor<2xi32>, %x: tensor<2x1x16x8xf32>) -> tensor<2x1x16x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%l = %len) -> tensor<2xi32> {
    %m = attn.mask_from_lengths %l size 16 : tensor<2xi32>
    %l2 = arith.addi %l, %l : tensor<2xi32>
    scf.yield %l2 : tensor<2xi32>
  }
  %m = attn.mask_from_lengths %r size 16 : tensor<2xi32>
  %o = attn.sdpa %x, %x, %x key_mask %m : (tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x16xi1>) -> tensor<2x1x16x8xf32>
  return %o : tensor<2x1x16x8xf32>
}

// Two masks x two loops, two constants and one subi out of one loop; the
// second layer's mask merges with the first.
// STATS: remark: attn-hoist-masks: hoisted 7, merged 1; mask/table producers run per call {{[0-9]+}} -> {{[0-9]+}}
