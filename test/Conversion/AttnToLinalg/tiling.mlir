// RUN: attn-opt %s --convert-attn-to-linalg --mlir-print-elementsattrs-with-hex-if-larger=-1 | FileCheck %s

// tile: one gather through a constant slot table; -1 marks pad slots, which
// are selected to 0. Grid (1,3,5)/tile (1,2,2): the SPEC's worked example.
// CHECK-LABEL: func @tile_worked_example
// CHECK: arith.constant dense<[0, 1, 5, 6, 2, 3, 7, 8, 4, 9, -1, -1, 10, 11, -1, -1, 12, 13, -1, -1, 14, -1, -1, -1]> : tensor<24xi32>
// CHECK: linalg.generic
// CHECK: tensor.extract
// CHECK: arith.select
// CHECK-NOT: attn.
func.func @tile_worked_example(%x: tensor<1x1x15x2xf32>) -> tensor<1x1x24x2xf32> {
  %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x15x2xf32>
  return %t : tensor<1x1x24x2xf32>
}

// untile: the combined index (slot of each raster token), no pads to zero.
// CHECK-LABEL: func @untile_worked_example
// CHECK: arith.constant dense<[0, 1, 4, 5, 8, 2, 3, 6, 7, 9, 12, 13, 16, 17, 20]> : tensor<15xi32>
// CHECK: linalg.generic
// CHECK-NOT: arith.select
// CHECK: return
func.func @untile_worked_example(%t: tensor<1x1x24x2xf32>) -> tensor<1x1x15x2xf32> {
  %x = attn.untile %t grid [1, 3, 5] tile [1, 2, 2] : tensor<1x1x24x2xf32>
  return %x : tensor<1x1x15x2xf32>
}

// tile_block_sizes with a static grid: the SPEC example's valid counts as a
// constant; with a run-time grid: a generic over the run-time tile count.
// CHECK-LABEL: func @tile_block_sizes_static
// CHECK: %[[C:.*]] = arith.constant dense<[4, 4, 2, 2, 2, 1]> : tensor<6xi32>
// CHECK: return %[[C]]
func.func @tile_block_sizes_static() -> tensor<6xi32> {
  %s = attn.tile_block_sizes grid [1, 3, 5] tile [1, 2, 2]
  return %s : tensor<6xi32>
}

// CHECK-LABEL: func @tile_block_sizes_dynamic
// CHECK: cf.assert {{.*}} "attn.tile_block_sizes: grid sizes must be >= 1"
// CHECK-NOT: cf.assert
// CHECK: tensor.empty(%{{.*}}) : tensor<?xi32>
// CHECK: linalg.generic
// CHECK: arith.minui
// CHECK-NOT: attn.tile_block_sizes
func.func @tile_block_sizes_dynamic(%t: index) -> tensor<?xi32> {
  %s = attn.tile_block_sizes grid [%t, 3, 5] tile [1, 2, 2]
  return %s : tensor<?xi32>
}
