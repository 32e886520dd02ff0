// RUN: attn-opt %s | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s
// Embedding compilers may write every op in MLIR's generic form, with the
// inherent attributes as properties or as a plain attribute dictionary.

// CHECK-LABEL: func @generic_properties
// CHECK: attn.tile %{{.*}} grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x15x8xf32>
// CHECK: attn.vsa %{{.*}}, %{{.*}}, %{{.*}} kv_block_sizes %{{.*}} block 4 topk 2
// CHECK: attn.vsa %{{.*}}, %{{.*}}, %{{.*}} gate %{{.*}} block 4 topk 2
func.func @generic_properties(%x: tensor<1x2x15x8xf32>, %q: tensor<1x2x24x8xf32>, %vbs: tensor<6xi32>) -> tensor<1x2x24x8xf32> {
  %t = "attn.tile"(%x) <{grid = array<i64: 1, 3, 5>, tile = array<i64: 1, 2, 2>}> : (tensor<1x2x15x8xf32>) -> tensor<1x2x24x8xf32>
  %a = "attn.vsa"(%t, %q, %q, %vbs, %vbs) <{block = 4 : i64, topk = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 1, 0>}>
      : (tensor<1x2x24x8xf32>, tensor<1x2x24x8xf32>, tensor<1x2x24x8xf32>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x2x24x8xf32>
  %b = "attn.vsa"(%a, %q, %q, %t) <{block = 4 : i64, topk = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0>}>
      : (tensor<1x2x24x8xf32>, tensor<1x2x24x8xf32>, tensor<1x2x24x8xf32>, tensor<1x2x24x8xf32>) -> tensor<1x2x24x8xf32>
  return %b : tensor<1x2x24x8xf32>
}

// CHECK-LABEL: func @generic_attr_dict
// CHECK: attn.mask_from_lengths %{{.*}} size 16 : tensor<2xi32>
// CHECK: attn.sdpa %{{.*}}, %{{.*}}, %{{.*}} key_mask %{{.*}} : (tensor<2x4x8x16xf16>, tensor<2x2x16x16xf16>, tensor<2x2x16x16xf16>, tensor<2x16xi1>) -> tensor<2x4x8x16xf16>
// CHECK: attn.block_topk %{{.*}} k 2 : tensor<2x4x1x1xf32>
// CHECK: attn.sliding_tile {{.*}} tile_grid [1, 1, 2] tile [1, 1, 4] window [1, 1, 1] text_length 3 scale 2.500000e-01
func.func @generic_attr_dict(%len: tensor<2xi32>, %q: tensor<2x4x8x16xf16>, %k: tensor<2x2x16x16xf16>, %s: tensor<2x4x1x1xf32>) -> tensor<2x4x8x16xf16> {
  %m = "attn.mask_from_lengths"(%len) {size = 16 : i64} : (tensor<2xi32>) -> tensor<2x16xi1>
  %o = "attn.sdpa"(%q, %k, %k, %m) : (tensor<2x4x8x16xf16>, tensor<2x2x16x16xf16>, tensor<2x2x16x16xf16>, tensor<2x16xi1>) -> tensor<2x4x8x16xf16>
  %i:2 = "attn.block_topk"(%s) {k = 2 : i64} : (tensor<2x4x1x1xf32>) -> (tensor<2x4x1x1xi32>, tensor<2x4x1xi32>)
  %st = "attn.sliding_tile"(%k, %k, %k) {operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>, tile_grid = array<i64: 1, 1, 2>, tile = array<i64: 1, 1, 4>, window = array<i64: 1, 1, 1>, text_length = 3 : i64, scale = 0.25 : f32}
      : (tensor<2x2x16x16xf16>, tensor<2x2x16x16xf16>, tensor<2x2x16x16xf16>) -> tensor<2x2x16x16xf16>
  return %o : tensor<2x4x8x16xf16>
}
