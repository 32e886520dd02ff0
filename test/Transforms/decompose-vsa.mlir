// RUN: attn-opt %s --attn-decompose-vsa | FileCheck %s

// The GQA coarse scores read kv head h / 2 (maps print at the top).
// CHECK: #[[GQA:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>

// CHECK-LABEL: func @vsa_with_gate
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x256x16xf32>, %[[K:.*]]: tensor<1x2x256x16xf32>, %[[V:.*]]: tensor<1x2x256x16xf32>, %[[G:.*]]: tensor<1x2x256x16xf32>, %[[S:.*]]: tensor<4xi32>)
// CHECK-DAG: arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[QC:.*]] = attn.block_mean %[[Q]], %[[S]] block 64
// CHECK-DAG: %[[KC:.*]] = attn.block_mean %[[K]], %[[S]] block 64
// CHECK-DAG: %[[VC:.*]] = attn.block_mean %[[V]], %[[S]] block 64
// CHECK: %[[SC:.*]] = linalg.generic {{.*}} ins(%[[QC]], %[[KC]] : {{.*}}) outs({{.*}} : tensor<1x2x4x4xf32>)
// CHECK: %[[SCALED:.*]] = linalg.generic {{.*}} ins(%[[SC]]
// CHECK: %[[OC:.*]] = attn.sdpa %[[QC]], %[[KC]], %[[VC]]
// CHECK: %[[IDX:.*]], %[[CNT:.*]] = attn.block_topk %[[SCALED]] k 2
// CHECK: %[[OS:.*]] = attn.block_sparse %[[Q]], %[[K]], %[[V]], %[[IDX]], %[[CNT]], %[[S]] block_q 64 block_kv 64
// CHECK: linalg.generic {{.*}} ins(%[[OC]], %[[OS]], %[[G]] :
// CHECK-NOT: attn.vsa
func.func @vsa_with_gate(%q: tensor<1x2x256x16xf32>, %k: tensor<1x2x256x16xf32>, %v: tensor<1x2x256x16xf32>,
                         %g: tensor<1x2x256x16xf32>, %s: tensor<4xi32>) -> tensor<1x2x256x16xf32> {
  %o = attn.vsa %q, %k, %v gate %g q_block_sizes %s kv_block_sizes %s block 64 topk 2
      : (tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<4xi32>, tensor<4xi32>) -> tensor<1x2x256x16xf32>
  return %o : tensor<1x2x256x16xf32>
}

// Without gate and sizes: Oc + Os; GQA reads kv head h / 2 in the scores.
// CHECK-LABEL: func @vsa_plain_gqa
// CHECK: attn.block_mean %{{.*}} block 64 : tensor<1x4x128x16xbf16>
// CHECK: linalg.generic {indexing_maps = [#{{[a-z0-9]+}}, #[[GQA]],
// CHECK: attn.block_sparse {{.*}} block_q 64 block_kv 64 : (tensor<1x4x128x16xbf16>, tensor<1x2x128x16xbf16>, tensor<1x2x128x16xbf16>, tensor<1x4x2x1xi32>, tensor<1x4x2xi32>) -> tensor<1x4x128x16xbf16>
// CHECK: arith.truncf
func.func @vsa_plain_gqa(%q: tensor<1x4x128x16xbf16>, %k: tensor<1x2x128x16xbf16>, %v: tensor<1x2x128x16xbf16>) -> tensor<1x4x128x16xbf16> {
  %o = attn.vsa %q, %k, %v block 64 topk 1
      : (tensor<1x4x128x16xbf16>, tensor<1x2x128x16xbf16>, tensor<1x2x128x16xbf16>) -> tensor<1x4x128x16xbf16>
  return %o : tensor<1x4x128x16xbf16>
}
