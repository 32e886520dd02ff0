// RUN: attn-opt %s --attn-decompose-vsa -split-input-file -verify-diagnostics | FileCheck %s

// Dynamic heads, tokens and head_dim decompose into the same pieces, sized
// by tensor.dim: Nq/Nkv = S/block at run time, the GQA group read in the
// body (kc through tensor.extract) and the scale 1/sqrt(D) computed.
// CHECK-LABEL: func.func @dynamic_heads_tokens_head_dim
// CHECK: %[[S:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[NQ:.*]] = arith.divui %[[S]], %c64
// CHECK: %[[QC:.*]] = attn.block_mean %arg0 block 64 : tensor<1x?x?x?xf32>
// CHECK: %[[KC:.*]] = attn.block_mean %arg1 block 64 : tensor<1x?x?x?xf32>
// CHECK: tensor.empty(%{{.*}}, %[[NQ]], %{{.*}}) : tensor<1x?x?x?xf32>
// CHECK: linalg.generic
// CHECK: tensor.extract %[[KC]]
// CHECK: math.sqrt
// CHECK: attn.sdpa %[[QC]], %[[KC]]
// CHECK: attn.block_topk %{{.*}} k 1 : tensor<1x?x?x?xf32>
// CHECK: attn.block_sparse %arg0, %arg1, %arg2, %{{.*}}, %{{.*}} block_q 64 block_kv 64
// CHECK-NOT: attn.vsa
func.func @dynamic_heads_tokens_head_dim(%q: tensor<1x?x?x?xf32>, %k: tensor<1x?x?x?xf32>, %v: tensor<1x?x?x?xf32>) -> tensor<1x?x?x?xf32> {
  %o = attn.vsa %q, %k, %v block 64 topk 1
      : (tensor<1x?x?x?xf32>, tensor<1x?x?x?xf32>, tensor<1x?x?x?xf32>) -> tensor<1x?x?x?xf32>
  return %o : tensor<1x?x?x?xf32>
}

// -----

// Static heads keep the affine kv-head map (no extract) and a constant scale.
// CHECK-LABEL: func.func @dynamic_tokens_static_heads
// CHECK-NOT: tensor.extract
// CHECK-NOT: math.sqrt
// CHECK: arith.constant 2.500000e-01 : f32
// CHECK-NOT: attn.vsa
func.func @dynamic_tokens_static_heads(%q: tensor<1x4x?x16xf32>, %k: tensor<1x2x?x16xf32>) -> tensor<1x4x?x16xf32> {
  %o = attn.vsa %q, %k, %k block 64 topk 2
      : (tensor<1x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}

// -----

// A run-time topk becomes attn.block_topk's run-time k.
// CHECK-LABEL: func.func @topk_operand
// CHECK: attn.block_topk %{{.*}} k %arg1 : tensor<1x1x2x2xf32>, index
// CHECK: attn.block_sparse {{.*}} : (tensor<1x1x128x16xf32>, tensor<1x1x128x16xf32>, tensor<1x1x128x16xf32>, tensor<1x1x2x?xi32>, tensor<1x1x2xi32>) -> tensor<1x1x128x16xf32>
// CHECK-NOT: attn.vsa
func.func @topk_operand(%q: tensor<1x1x128x16xf32>, %k: index) -> tensor<1x1x128x16xf32> {
  %o = attn.vsa %q, %q, %q block 64 topk %k
      : (tensor<1x1x128x16xf32>, tensor<1x1x128x16xf32>, tensor<1x1x128x16xf32>, index) -> tensor<1x1x128x16xf32>
  return %o : tensor<1x1x128x16xf32>
}
