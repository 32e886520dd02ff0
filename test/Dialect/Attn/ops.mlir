// RUN: attn-opt %s | FileCheck %s
// Round trip: the printed form parses back to the same IR.
// RUN: attn-opt %s | attn-opt | FileCheck %s
// Generic form parses back to the same custom form.
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// CHECK-LABEL: func @tile_partial_grid
// CHECK: %[[T:.*]] = attn.tile %{{.*}} grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x15x8xf32>
// CHECK: attn.untile %[[T]] grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x24x8xf32>
func.func @tile_partial_grid(%x: tensor<1x2x15x8xf32>) -> tensor<1x2x15x8xf32> {
  %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x15x8xf32>
  %y = attn.untile %t grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x24x8xf32>
  return %y : tensor<1x2x15x8xf32>
}

// CHECK-LABEL: func @tile_dynamic_batch
// CHECK: attn.tile %{{.*}} grid [1, 8, 8] tile [4, 4, 4] : tensor<?x2x64x16xbf16>
func.func @tile_dynamic_batch(%x: tensor<?x2x64x16xbf16>) -> tensor<?x2x256x16xbf16> {
  %t = attn.tile %x grid [1, 8, 8] tile [4, 4, 4] : tensor<?x2x64x16xbf16>
  return %t : tensor<?x2x256x16xbf16>
}

// CHECK-LABEL: func @sdpa_gqa_mask
// CHECK: attn.sdpa %{{.*}}, %{{.*}}, %{{.*}} key_mask %{{.*}} scale 1.250000e-01 : (tensor<2x8x64x64xbf16>, tensor<2x2x80x64xbf16>, tensor<2x2x80x64xbf16>, tensor<2x80xi1>) -> tensor<2x8x64x64xbf16>
func.func @sdpa_gqa_mask(%q: tensor<2x8x64x64xbf16>, %k: tensor<2x2x80x64xbf16>,
                         %v: tensor<2x2x80x64xbf16>, %m: tensor<2x80xi1>) -> tensor<2x8x64x64xbf16> {
  %o = attn.sdpa %q, %k, %v key_mask %m scale 0.125
      : (tensor<2x8x64x64xbf16>, tensor<2x2x80x64xbf16>, tensor<2x2x80x64xbf16>, tensor<2x80xi1>) -> tensor<2x8x64x64xbf16>
  return %o : tensor<2x8x64x64xbf16>
}

// CHECK-LABEL: func @sdpa_plain
// CHECK: attn.sdpa %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x1x4x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32>) -> tensor<1x1x4x8xf32>
func.func @sdpa_plain(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x6x8xf32>, %v: tensor<1x1x6x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.sdpa %q, %k, %v : (tensor<1x1x4x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// CHECK-LABEL: func @mask_from_lengths
// CHECK: attn.mask_from_lengths %{{.*}} size 77 : tensor<2xi32>
func.func @mask_from_lengths(%len: tensor<2xi32>) -> tensor<2x77xi1> {
  %m = attn.mask_from_lengths %len size 77 : tensor<2xi32>
  return %m : tensor<2x77xi1>
}

// CHECK-LABEL: func @block_sparse_sizes
// CHECK: attn.block_sparse %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} block_q 64 block_kv 64 : (tensor<1x4x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x4x4x3xi32>, tensor<1x4x4xi32>, tensor<4xi32>) -> tensor<1x4x256x64xf16>
func.func @block_sparse_sizes(%q: tensor<1x4x256x64xf16>, %k: tensor<1x2x256x64xf16>, %v: tensor<1x2x256x64xf16>,
                              %idx: tensor<1x4x4x3xi32>, %cnt: tensor<1x4x4xi32>, %vbs: tensor<4xi32>) -> tensor<1x4x256x64xf16> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 64 block_kv 64
      : (tensor<1x4x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x4x4x3xi32>, tensor<1x4x4xi32>, tensor<4xi32>) -> tensor<1x4x256x64xf16>
  return %o : tensor<1x4x256x64xf16>
}

// CHECK-LABEL: func @block_sparse_plain
// CHECK: attn.block_sparse {{.*}} block_q 128 block_kv 64 scale 5.000000e-01 : (tensor<1x1x256x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> tensor<1x1x256x8xf32>
func.func @block_sparse_plain(%q: tensor<1x1x256x8xf32>, %k: tensor<1x1x128x8xf32>, %v: tensor<1x1x128x8xf32>,
                              %idx: tensor<1x1x2x2xi32>, %cnt: tensor<1x1x2xi32>) -> tensor<1x1x256x8xf32> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 128 block_kv 64 scale 0.5
      : (tensor<1x1x256x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>) -> tensor<1x1x256x8xf32>
  return %o : tensor<1x1x256x8xf32>
}

// CHECK-LABEL: func @vsa_pieces
// CHECK: attn.block_mean %{{.*}}, %{{.*}} block 64 : tensor<1x2x384x32xbf16>, tensor<6xi32>
// CHECK: attn.block_mean %{{.*}} block 64 : tensor<1x2x384x32xbf16>
// CHECK: attn.block_topk %{{.*}} k 3 : tensor<1x2x6x6xf32>
func.func @vsa_pieces(%x: tensor<1x2x384x32xbf16>, %vbs: tensor<6xi32>, %s: tensor<1x2x6x6xf32>)
    -> (tensor<1x2x6x32xbf16>, tensor<1x2x6x32xbf16>, tensor<1x2x6x3xi32>, tensor<1x2x6xi32>) {
  %m = attn.block_mean %x, %vbs block 64 : tensor<1x2x384x32xbf16>, tensor<6xi32>
  %m2 = attn.block_mean %x block 64 : tensor<1x2x384x32xbf16>
  %idx, %cnt = attn.block_topk %s k 3 : tensor<1x2x6x6xf32>
  return %m, %m2, %idx, %cnt : tensor<1x2x6x32xbf16>, tensor<1x2x6x32xbf16>, tensor<1x2x6x3xi32>, tensor<1x2x6xi32>
}

// CHECK-LABEL: func @block_topk_k_above_nkv
// CHECK: attn.block_topk %{{.*}} k 10 : tensor<1x1x2x4xf32>
func.func @block_topk_k_above_nkv(%s: tensor<1x1x2x4xf32>) -> (tensor<1x1x2x4xi32>, tensor<1x1x2xi32>) {
  %idx, %cnt = attn.block_topk %s k 10 : tensor<1x1x2x4xf32>
  return %idx, %cnt : tensor<1x1x2x4xi32>, tensor<1x1x2xi32>
}

// CHECK-LABEL: func @vsa_gate_sizes
// CHECK: attn.vsa %{{.*}}, %{{.*}}, %{{.*}} gate %{{.*}} q_block_sizes %{{.*}} kv_block_sizes %{{.*}} block 64 topk 2 : (tensor<1x2x384x32xbf16>, tensor<1x2x384x32xbf16>, tensor<1x2x384x32xbf16>, tensor<1x2x384x32xbf16>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x2x384x32xbf16>
func.func @vsa_gate_sizes(%q: tensor<1x2x384x32xbf16>, %k: tensor<1x2x384x32xbf16>, %v: tensor<1x2x384x32xbf16>,
                          %g: tensor<1x2x384x32xbf16>, %vbs: tensor<6xi32>) -> tensor<1x2x384x32xbf16> {
  %o = attn.vsa %q, %k, %v gate %g q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 2
      : (tensor<1x2x384x32xbf16>, tensor<1x2x384x32xbf16>, tensor<1x2x384x32xbf16>, tensor<1x2x384x32xbf16>, tensor<6xi32>, tensor<6xi32>) -> tensor<1x2x384x32xbf16>
  return %o : tensor<1x2x384x32xbf16>
}

// CHECK-LABEL: func @vsa_plain
// CHECK: attn.vsa %{{.*}}, %{{.*}}, %{{.*}} block 64 topk 1 : (tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32>) -> tensor<1x2x128x32xf32>
func.func @vsa_plain(%q: tensor<1x2x128x32xf32>, %k: tensor<1x2x128x32xf32>, %v: tensor<1x2x128x32xf32>) -> tensor<1x2x128x32xf32> {
  %o = attn.vsa %q, %k, %v block 64 topk 1 : (tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32>) -> tensor<1x2x128x32xf32>
  return %o : tensor<1x2x128x32xf32>
}

// CHECK-LABEL: func @sliding_tile_text
// CHECK: attn.sliding_tile %{{.*}}, %{{.*}}, %{{.*}} tile_grid [2, 2, 2] tile [1, 2, 2] window [3, 3, 3] text_length 5 : (tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>) -> tensor<1x2x40x16xf32>
func.func @sliding_tile_text(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x40x16xf32>, %v: tensor<1x2x40x16xf32>) -> tensor<1x2x40x16xf32> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 2] tile [1, 2, 2] window [3, 3, 3] text_length 5
      : (tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>) -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}

// CHECK-LABEL: func @sliding_tile_per_head
// CHECK: attn.sliding_tile %{{.*}}, %{{.*}}, %{{.*}} tile_grid [2, 2, 2] tile [1, 2, 2] windows [1, 1, 1, 2, 2, 2] : (tensor<1x2x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x2x32x16xf32>
func.func @sliding_tile_per_head(%q: tensor<1x2x32x16xf32>, %k: tensor<1x1x32x16xf32>, %v: tensor<1x1x32x16xf32>) -> tensor<1x2x32x16xf32> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 2] tile [1, 2, 2] windows [1, 1, 1, 2, 2, 2] text_length 0
      : (tensor<1x2x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x2x32x16xf32>
  return %o : tensor<1x2x32x16xf32>
}
