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

// Unsafe: lengths carried by the loop change every iteration, so the mask
// built from them stays in the loop, right where it was.
// CHECK-LABEL: func @mask_of_loop_carried_lengths_stays
// CHECK-NOT: attn.mask_from_lengths
// CHECK: scf.for {{.*}} iter_args(%[[X:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}})
// CHECK-NEXT: %[[M:.*]] = attn.mask_from_lengths %[[L]] size 16
// CHECK-NEXT: attn.sdpa %[[X]], %[[X]], %[[X]] key_mask %[[M]]
// CHECK-NEXT: arith.addi %[[L]], %[[L]]
// CHECK-NEXT: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @mask_of_loop_carried_lengths_stays(%len: tensor<2xi32>, %x: tensor<2x1x16x8xf32>) -> tensor<2x1x16x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r:2 = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %x, %l = %len) -> (tensor<2x1x16x8xf32>, tensor<2xi32>) {
    %m = attn.mask_from_lengths %l size 16 : tensor<2xi32>
    %o = attn.sdpa %a, %a, %a key_mask %m : (tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x16xi1>) -> tensor<2x1x16x8xf32>
    %l2 = arith.addi %l, %l : tensor<2xi32>
    scf.yield %o, %l2 : tensor<2x1x16x8xf32>, tensor<2xi32>
  }
  return %r#0 : tensor<2x1x16x8xf32>
}

// Unsafe: lengths computed from the induction variable (through scalar
// arithmetic) differ per iteration; the whole chain stays in the loop.
// CHECK-LABEL: func @mask_of_induction_variable_stays
// CHECK-NOT: attn.mask_from_lengths
// CHECK: scf.for %[[I:[a-z0-9]+]] =
// CHECK-NEXT: %[[II:.*]] = arith.index_cast %[[I]]
// CHECK-NEXT: %[[T:.*]] = tensor.splat %[[II]]
// CHECK-NEXT: %[[M:.*]] = attn.mask_from_lengths %[[T]] size 16
// CHECK-NEXT: attn.sdpa {{.*}} key_mask %[[M]]
// CHECK-NEXT: scf.yield
func.func @mask_of_induction_variable_stays(%x: tensor<2x1x16x8xf32>) -> tensor<2x1x16x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %x) -> tensor<2x1x16x8xf32> {
    %ii = arith.index_cast %i : index to i32
    %t = tensor.splat %ii : tensor<2xi32>
    %m = attn.mask_from_lengths %t size 16 : tensor<2xi32>
    %o = attn.sdpa %a, %a, %a key_mask %m : (tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x16xi1>) -> tensor<2x1x16x8xf32>
    scf.yield %o : tensor<2x1x16x8xf32>
  }
  return %r : tensor<2x1x16x8xf32>
}

// Unsafe: the lengths come out of an scf.if whose condition depends on the
// iteration, so the mask stays in the loop; and a producer inside a branch
// stays in its branch (it might never run: nothing is speculated out of a
// conditional region).
// CHECK-LABEL: func @mask_of_conditional_producer_stays
// CHECK-NOT: attn.mask_from_lengths
// CHECK-NOT: arith.addi
// CHECK: scf.for
// CHECK: %[[L:.*]] = scf.if
// CHECK-NEXT: arith.addi
// CHECK-NEXT: scf.yield
// CHECK-NEXT: } else {
// CHECK-NEXT: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: %[[M:.*]] = attn.mask_from_lengths %[[L]] size 16
// CHECK-NEXT: attn.sdpa {{.*}} key_mask %[[M]]
// CHECK-NEXT: scf.yield
func.func @mask_of_conditional_producer_stays(%len: tensor<2xi32>, %x: tensor<2x1x16x8xf32>) -> tensor<2x1x16x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %x) -> tensor<2x1x16x8xf32> {
    %late = arith.cmpi uge, %i, %c2 : index
    %l = scf.if %late -> tensor<2xi32> {
      %d = arith.addi %len, %len : tensor<2xi32>
      scf.yield %d : tensor<2xi32>
    } else {
      scf.yield %len : tensor<2xi32>
    }
    %m = attn.mask_from_lengths %l size 16 : tensor<2xi32>
    %o = attn.sdpa %a, %a, %a key_mask %m : (tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x16xi1>) -> tensor<2x1x16x8xf32>
    scf.yield %o : tensor<2x1x16x8xf32>
  }
  return %r : tensor<2x1x16x8xf32>
}

// Level by level: a mask that depends on the step counter only (through
// scalar arithmetic) leaves the layer loop and is built once per step,
// between the two loops; a mask of the function's lengths leaves both.
// CHECK-LABEL: func @step_only_mask_between_loops
// CHECK-SAME: (%[[LEN:.*]]: tensor<2xi32>
// CHECK: %[[MALL:.*]] = attn.mask_from_lengths %[[LEN]] size 16
// CHECK-NOT: attn.mask_from_lengths
// CHECK: scf.for %[[S:[a-z0-9]+]] =
// CHECK-NEXT: %[[SI:.*]] = arith.index_cast %[[S]]
// CHECK-NEXT: %[[ST:.*]] = tensor.splat %[[SI]]
// CHECK-NEXT: %[[SL:.*]] = arith.addi %[[LEN]], %[[ST]]
// CHECK-NEXT: %[[MSTEP:.*]] = attn.mask_from_lengths %[[SL]] size 16
// CHECK-NEXT: scf.for
// CHECK-NOT: attn.mask_from_lengths
// CHECK-NOT: arith.index_cast
// CHECK: attn.sdpa {{.*}} key_mask %[[MSTEP]]
// CHECK-NEXT: attn.sdpa {{.*}} key_mask %[[MALL]]
// CHECK-NEXT: scf.yield
func.func @step_only_mask_between_loops(%len: tensor<2xi32>, %x: tensor<2x1x16x8xf32>) -> tensor<2x1x16x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %s = %c0 to %c4 step %c1 iter_args(%a = %x) -> tensor<2x1x16x8xf32> {
    %r2 = scf.for %l = %c0 to %c4 step %c1 iter_args(%b = %a) -> tensor<2x1x16x8xf32> {
      %si = arith.index_cast %s : index to i32
      %st = tensor.splat %si : tensor<2xi32>
      %sl = arith.addi %len, %st : tensor<2xi32>
      %m = attn.mask_from_lengths %sl size 16 : tensor<2xi32>
      %o = attn.sdpa %b, %b, %b key_mask %m : (tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x16xi1>) -> tensor<2x1x16x8xf32>
      %mall = attn.mask_from_lengths %len size 16 : tensor<2xi32>
      %o2 = attn.sdpa %o, %o, %o key_mask %mall : (tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x16xi1>) -> tensor<2x1x16x8xf32>
      scf.yield %o2 : tensor<2x1x16x8xf32>
    }
    scf.yield %r2 : tensor<2x1x16x8xf32>
  }
  return %r : tensor<2x1x16x8xf32>
}

// Over the whole file: 4 (two masks x two loops) + 3 (two constants and a
// subi) + 5 (step-only splat, addi and mask out of the layer loop; the
// lengths-only mask out of both); the second layer's mask merges with the
// first. Producer runs: 32 -> 1, 6 -> 4, 8 each for the three that stay,
// 64 -> 13 (16 per-layer runs of three producers and one mask become four
// per-step runs of three and one).
// STATS: remark: attn-hoist-masks: hoisted 12, merged 1; mask/table producers run per call 126 -> 42
