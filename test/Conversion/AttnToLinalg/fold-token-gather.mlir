// RUN: attn-opt %s --convert-attn-to-linalg -split-input-file | FileCheck %s
// RUN: attn-opt %s --convert-attn-to-linalg=fold-gathers=0 -split-input-file | FileCheck %s --check-prefix=NOFOLD

// Keys and values tiled for the attention kernel: the kernel reads the raster
// tensors through the slot table; no tiled copy is materialized.
// CHECK-LABEL: func @tiled_kv_read_through_table
// CHECK-SAME: (%[[Q:.*]]: tensor<1x1x8x4xf32>, %[[K:.*]]: tensor<1x1x6x4xf32>
// CHECK-NOT: attn.token_gather
// CHECK: tensor.extract %[[K]]
// CHECK-NOT: attn.token_gather
// NOFOLD-LABEL: func @tiled_kv_read_through_table
// NOFOLD: attn.token_gather
func.func @tiled_kv_read_through_table(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x6x4xf32>) -> tensor<1x1x8x4xf32> {
  %kt = attn.tile %k grid [1, 2, 3] tile [1, 2, 2] : tensor<1x1x6x4xf32>
  %o = attn.sdpa %q, %kt, %kt : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}

// -----

// A tiled value that is also returned must exist: the gather stays, and no
// reader is folded (that would only repeat the gather's work).
// CHECK-LABEL: func @returned_tile_stays
// CHECK: attn.token_gather
// CHECK: return
func.func @returned_tile_stays(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x6x4xf32>) -> (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) {
  %kt = attn.tile %k grid [1, 2, 3] tile [1, 2, 2] : tensor<1x1x6x4xf32>
  %o = attn.sdpa %q, %kt, %kt : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  return %o, %kt : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>
}
