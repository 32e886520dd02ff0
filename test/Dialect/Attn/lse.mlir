// The forward attention ops' optional lse result: f32 [B, Hq, Sq], written
// as a second result; a wrong shape or type is rejected. (The GPU path's
// kernels: test/Conversion/AttnToGPU/lse-kernels.mlir.)
// RUN: attn-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @main(
// CHECK: %{{.*}}, %{{.*}} = attn.sdpa %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x4x8x16xbf16>, tensor<1x2x6x16xbf16>, tensor<1x2x6x16xbf16>) -> (tensor<1x4x8x16xbf16>, tensor<1x4x8xf32>)
// CHECK: %{{.*}}, %{{.*}} = attn.block_sparse
// CHECK-SAME: -> (tensor<1x2x8x4xf32>, tensor<1x2x8xf32>)
// CHECK: %{{.*}}, %{{.*}} = attn.sliding_tile
// CHECK-SAME: -> (tensor<1x2x73x4xf32>, tensor<1x2x73xf32>)
func.func @main(%q: tensor<1x4x8x16xbf16>, %k: tensor<1x2x6x16xbf16>, %x: tensor<1x2x8x4xf32>, %idx: tensor<1x2x2x2xi32>, %cnt: tensor<1x2x2xi32>, %s: tensor<1x2x73x4xf32>) -> (tensor<1x4x8xf32>, tensor<1x2x8xf32>, tensor<1x2x73xf32>) {
  %o, %lse = attn.sdpa %q, %k, %k : (tensor<1x4x8x16xbf16>, tensor<1x2x6x16xbf16>, tensor<1x2x6x16xbf16>) -> (tensor<1x4x8x16xbf16>, tensor<1x4x8xf32>)
  %o2, %lse2 = attn.block_sparse %x, %x, %x, %idx, %cnt block_q 4 block_kv 4 : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x2x2xi32>, tensor<1x2x2xi32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8xf32>)
  %o3, %lse3 = attn.sliding_tile %s, %s, %s tile_grid [2, 2, 2] tile [2, 2, 2] window [1, 1, 1] text_length 5 : (tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>, tensor<1x2x73x4xf32>) -> (tensor<1x2x73x4xf32>, tensor<1x2x73xf32>)
  return %lse, %lse2, %lse3 : tensor<1x4x8xf32>, tensor<1x2x8xf32>, tensor<1x2x73xf32>
}

// -----

func.func @lse_shape(%q: tensor<1x4x8x16xf32>) -> tensor<1x4x16xf32> {
  // expected-error @+1 {{result 'lse' must be the [B, Hq, Sq] f32 tensor 'tensor<1x4x8xf32>' (one log-sum-exp a query row), got 'tensor<1x4x16xf32>'}}
  %o, %lse = attn.sdpa %q, %q, %q : (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x4x16xf32>)
  return %lse : tensor<1x4x16xf32>
}

// -----

func.func @lse_type(%x: tensor<1x2x8x4xbf16>, %idx: tensor<1x2x2x2xi32>, %cnt: tensor<1x2x2xi32>) -> tensor<1x2x8xbf16> {
  // expected-error @+1 {{result 'lse' must be the [B, Hq, Sq] f32 tensor}}
  %o, %lse = attn.block_sparse %x, %x, %x, %idx, %cnt block_q 4 block_kv 4 : (tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<1x2x2x2xi32>, tensor<1x2x2xi32>) -> (tensor<1x2x8x4xbf16>, tensor<1x2x8xbf16>)
  return %lse : tensor<1x2x8xbf16>
}
