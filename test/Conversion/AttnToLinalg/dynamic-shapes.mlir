// RUN: attn-opt %s --convert-attn-to-linalg -split-input-file | FileCheck %s

// Dynamic attn.sdpa lowers to linalg on tensors sized by tensor.dim; the
// relations the verifier could not check (k/v agreement, batch, head_dim,
// Hq % Hkv, the mask's shape) become cf.assert checks ahead of the compute,
// and the default scale is 1/sqrt(D) of the run.
// CHECK-LABEL: func.func @sdpa_all_dynamic
// CHECK-DAG: %[[D:.*]] = tensor.dim %arg0, %c3
// CHECK-DAG: %[[KD:.*]] = tensor.dim %arg1, %c3
// CHECK: cf.assert %{{.*}}, "attn.sdpa: sequence of 'v' must match 'k'"
// CHECK: cf.assert %{{.*}}, "attn.sdpa: batch of 'k' must match batch of 'q'"
// CHECK: %[[HD:.*]] = arith.cmpi eq, %[[D]], %[[KD]]
// CHECK: cf.assert %[[HD]], "attn.sdpa: head_dim of 'k' must match head_dim of 'q'"
// CHECK: cf.assert %{{.*}}, "attn.sdpa: query heads must be a multiple of kv heads (> 0)"
// CHECK: cf.assert %{{.*}}, "attn.sdpa: dim 1 of 'key_mask' must match sequence of 'k'"
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xi32>
// CHECK: math.sqrt
// CHECK: linalg.generic
// CHECK: arith.divui %{{.*}}, %{{.*}} : index
// CHECK: tensor.empty(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : tensor<?x?x?x?xf32>
// CHECK-NOT: attn.sdpa
func.func @sdpa_all_dynamic(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>,
                            %m: tensor<?x?xi1>) -> tensor<?x?x?x?xf32> {
  %o = attn.sdpa %q, %k, %v key_mask %m
      : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?xi1>) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}

// -----

// Only the dynamic sequence is checked and sized at run time: static pairs
// were verified already, the scale stays a constant, GQA groups stay static.
// CHECK-LABEL: func.func @sdpa_dynamic_seq
// CHECK: arith.constant 0.353553385 : f32
// CHECK-NOT: head_dim of 'k'
// CHECK-NOT: batch of 'k'
// CHECK: cf.assert %{{.*}}, "attn.sdpa: sequence of 'v' must match 'k'"
// CHECK-NOT: cf.assert
// CHECK-NOT: math.sqrt
// CHECK: return
func.func @sdpa_dynamic_seq(%q: tensor<1x4x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x4x?x8xf32> {
  %o = attn.sdpa %q, %k, %v : (tensor<1x4x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x4x?x8xf32>
  return %o : tensor<1x4x?x8xf32>
}

// -----

// A static attn.sdpa stays the fast path: no tensor.dim, no run-time check.
// CHECK-LABEL: func.func @sdpa_static
// CHECK-NOT: tensor.dim
// CHECK-NOT: cf.assert
// CHECK: return
func.func @sdpa_static(%q: tensor<1x4x16x8xf32>, %k: tensor<1x2x24x8xf32>, %v: tensor<1x2x24x8xf32>) -> tensor<1x4x16x8xf32> {
  %o = attn.sdpa %q, %k, %v : (tensor<1x4x16x8xf32>, tensor<1x2x24x8xf32>, tensor<1x2x24x8xf32>) -> tensor<1x4x16x8xf32>
  return %o : tensor<1x4x16x8xf32>
}

// -----

// Dynamic attn.block_sparse: Nq = Sq / block_q and Nkv = Skv / block_kv at
// run time, with checks that the lengths are whole blocks, that the tables
// have shape [B, Hq, Nq, K] / [B, Hq, Nq], K <= Nkv and Nkv block sizes; the
// id clamp uses the run's Nkv.
// CHECK-LABEL: func.func @block_sparse_dynamic
// CHECK: cf.assert %{{.*}}, "attn.block_sparse: query length must be a multiple of 'block_q'"
// CHECK: cf.assert %{{.*}}, "attn.block_sparse: key length must be a multiple of 'block_kv'"
// CHECK: cf.assert %{{.*}}, "attn.block_sparse: 'kv_indices' must have shape [B, Hq, Nq, K]"
// CHECK: cf.assert %{{.*}}, "attn.block_sparse: 'kv_counts' must have shape [B, Hq, Nq]"
// CHECK: %[[LE:.*]] = arith.cmpi ule
// CHECK: cf.assert %[[LE]], "attn.block_sparse: K (ids per row of 'kv_indices') must be <= Nkv"
// CHECK: cf.assert %{{.*}}, "attn.block_sparse: 'kv_block_sizes' must have Nkv entries"
// CHECK: %[[NKV:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK: arith.subi %[[NKV]], %{{.*}} : i32
// CHECK: linalg.generic
// CHECK-NOT: attn.block_sparse
func.func @block_sparse_dynamic(%q: tensor<?x?x?x8xf32>, %k: tensor<?x?x?x8xf32>, %v: tensor<?x?x?x8xf32>,
                                %idx: tensor<?x?x?x?xi32>, %cnt: tensor<?x?x?xi32>, %vbs: tensor<?xi32>) -> tensor<?x?x?x8xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 4 block_kv 4
      : (tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x?x?x?xi32>, tensor<?x?x?xi32>, tensor<?xi32>) -> tensor<?x?x?x8xf32>
  return %o : tensor<?x?x?x8xf32>
}

// -----

// Dynamic attn.block_mean: N = S / block checked and computed at run time,
// the blocks viewed through a dynamic tensor.expand_shape; without
// block_sizes every block counts `block` tokens (a filled tensor, not a
// constant of unknown length).
// CHECK-LABEL: func.func @block_mean_dynamic
// CHECK: cf.assert %{{.*}}, "attn.block_mean: sequence length must be a multiple of 'block'"
// CHECK: %[[N:.*]] = arith.divui %{{.*}}, %c4
// CHECK: tensor.empty(%[[N]]) : tensor<?xi32>
// CHECK: tensor.expand_shape %arg0 {{\[\[}}0], [1], [2, 3], [4]] output_shape [1, 1, %[[N]], 4, 8]
// CHECK-NOT: attn.block_mean
func.func @block_mean_dynamic(%x: tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32> {
  %o = attn.block_mean %x block 4 : tensor<1x1x?x8xf32>
  return %o : tensor<1x1x?x8xf32>
}

// -----

// Dynamic attn.block_topk: K = min(k, Nkv) at run time, and the counts are
// filled with it.
// CHECK-LABEL: func.func @block_topk_dynamic_nkv
// CHECK: %[[NKV:.*]] = tensor.dim %arg0, %c3
// CHECK: %[[K:.*]] = arith.minui %[[NKV]], %c3
// CHECK: %[[K32:.*]] = arith.index_cast %[[K]] : index to i32
// CHECK: linalg.fill ins(%[[K32]] : i32)
// CHECK-NOT: attn.block_topk
func.func @block_topk_dynamic_nkv(%s: tensor<1x2x?x?xf32>) -> (tensor<1x2x?x?xi32>, tensor<1x2x?xi32>) {
  %i, %c = attn.block_topk %s k 3 : tensor<1x2x?x?xf32>
  return %i, %c : tensor<1x2x?x?xi32>, tensor<1x2x?xi32>
}

// -----

// Dynamic attn.tile: the gather keeps the input's batch/heads/head_dim
// (tensor.dim) and the layout's static token count; a dynamic sequence is
// checked against the grid's T*H*W at run time.
// CHECK-LABEL: func.func @tile_dynamic
// CHECK: %[[S:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[S]], %c16
// CHECK: cf.assert %[[OK]], "attn.tile: sequence length must equal the grid's T*H*W"
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: tensor.empty(%[[B]]) : tensor<?x1x16x8xf32>
// CHECK-NOT: attn.tile
func.func @tile_dynamic(%x: tensor<?x1x?x8xf32>) -> tensor<?x1x16x8xf32> {
  %t = attn.tile %x grid [1, 4, 4] tile [1, 2, 2] : tensor<?x1x?x8xf32>
  return %t : tensor<?x1x16x8xf32>
}

// -----

// Dynamic attn.mask_from_lengths: the batch of the lengths.
// CHECK-LABEL: func.func @mask_dynamic_batch
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: tensor.empty(%[[B]]) : tensor<?x7xi1>
func.func @mask_dynamic_batch(%len: tensor<?xi32>) -> tensor<?x7xi1> {
  %m = attn.mask_from_lengths %len size 7 : tensor<?xi32>
  return %m : tensor<?x7xi1>
}
