// RUN: attn-opt %s --attn-decompose-vsa | FileCheck %s

// attn.vsa_grad: the forward's coarse scores and top-k selection, the fine
// branch as attn.block_sparse_grad on that selection, dout (times the gate)
// summed over each query block's slots, the coarse attention's gradient on
// f32 block means, the block mean's adjoint added to the fine gradients
// (reading the block sizes), and dgate from the recomputed coarse output.

// CHECK-DAG: #[[SLOTS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[PERBLOCK:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 floordiv 4, d3)>
// CHECK-DAG: #[[SIZE:.*]] = affine_map<(d0, d1, d2, d3) -> (d2 floordiv 4)>

// CHECK-LABEL: func @vsa_grad_gate_gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x8x4xbf16>, %[[K:.*]]: tensor<1x1x8x4xbf16>, %[[DO:.*]]: tensor<1x2x8x4xbf16>, %[[G:.*]]: tensor<1x2x8x4xbf16>, %[[S:.*]]: tensor<2xi32>)
// CHECK: %[[QC:.*]] = attn.block_mean %[[Q]], %[[S]] block 4
// CHECK: %[[KC:.*]] = attn.block_mean %[[K]], %[[S]] block 4
// CHECK: %[[VC:.*]] = attn.block_mean %[[K]], %[[S]] block 4
// CHECK: %[[IDX:.*]], %[[CNT:.*]] = attn.block_topk %{{.*}} k 1
// CHECK: %[[DQF:.*]], %[[DKF:.*]], %[[DVF:.*]] = attn.block_sparse_grad %[[Q]], %[[K]], %[[K]], %[[DO]], %[[IDX]], %[[CNT]], %[[S]] block_q 4 block_kv 4
// CHECK: %[[DOS:.*]] = tensor.expand_shape %[[DO]] {{\[\[}}0], [1], [2, 3], [4]] output_shape [1, 2, 2, 4, 4]
// CHECK: %[[GS:.*]] = tensor.expand_shape %[[G]]
// CHECK: %[[DOC:.*]] = linalg.generic {indexing_maps = [#[[SLOTS]], #[[SLOTS]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[DOS]], %[[GS]] : {{.*}}) outs(%{{.*}} : tensor<1x2x2x4xf32>)
// CHECK: %[[QC32:.*]] = linalg.generic {{.*}} ins(%[[QC]] : tensor<1x2x2x4xbf16>) outs(%{{.*}} : tensor<1x2x2x4xf32>)
// CHECK: %[[KC32:.*]] = linalg.generic {{.*}} ins(%[[KC]] :
// CHECK: %[[VC32:.*]] = linalg.generic {{.*}} ins(%[[VC]] :
// CHECK: %[[DQC:.*]], %[[DKC:.*]], %[[DVC:.*]] = attn.sdpa_grad %[[QC32]], %[[KC32]], %[[VC32]], %[[DOC]] : {{.*}} -> (tensor<1x2x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>)
// CHECK: %[[DQ:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[PERBLOCK]], #[[SIZE]], #{{.*}}], {{.*}} ins(%[[DQF]], %[[DQC]], %[[S]] :
// CHECK: %[[DK:.*]] = linalg.generic {{.*}} ins(%[[DKF]], %[[DKC]], %[[S]] :
// CHECK: %[[DV:.*]] = linalg.generic {{.*}} ins(%[[DVF]], %[[DVC]], %[[S]] :
// CHECK: %[[OC:.*]] = attn.sdpa %[[QC]], %[[KC]], %[[VC]]
// CHECK: %[[DG:.*]] = linalg.generic {indexing_maps = [#[[PERBLOCK]], {{.*}} ins(%[[OC]], %[[DO]] :
// CHECK: return %[[DQ]], %[[DK]], %[[DV]], %[[DG]]
func.func @vsa_grad_gate_gqa(%q: tensor<1x2x8x4xbf16>, %k: tensor<1x1x8x4xbf16>, %do: tensor<1x2x8x4xbf16>, %g: tensor<1x2x8x4xbf16>, %s: tensor<2xi32>) -> (tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>) {
  %dq, %dk, %dv, %dg = attn.vsa_grad %q, %k, %k, %do gate %g q_block_sizes %s kv_block_sizes %s block 4 topk 1 : (tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<2xi32>, tensor<2xi32>) -> (tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>)
  return %dq, %dk, %dv, %dg : tensor<1x2x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x2x8x4xbf16>
}

// f32 without gate or sizes: the means are used as they are (no f32 copy),
// no forward sdpa, the adjoint reads no size table; a run-time topk and a
// dynamic sequence.
// CHECK-LABEL: func @vsa_grad_plain_dynamic
// CHECK: attn.block_topk %{{.*}} k %{{.*}} : tensor<1x2x?x?xf32>, index
// CHECK: tensor.expand_shape {{.*}} : tensor<1x2x?x4xf32> into tensor<1x2x?x4x4xf32>
// CHECK-NOT: tensor.expand_shape
// CHECK: attn.sdpa_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x2x?x4xf32>
// CHECK-NOT: attn.sdpa %
// CHECK-NOT: attn.vsa
func.func @vsa_grad_plain_dynamic(%q: tensor<1x2x?x4xf32>, %do: tensor<1x2x?x4xf32>, %n: index) -> (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) {
  %dq, %dk, %dv = attn.vsa_grad %q, %q, %q, %do block 4 topk %n : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, index) -> (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>)
  return %dq, %dk, %dv : tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>
}
