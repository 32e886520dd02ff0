// RUN: attn-opt %s --convert-attn-to-linalg | FileCheck %s

// sdpa: key-row table from the mask, then scores, row max (-inf for masked
// keys), exp(s*scale - max), row sum, weighted values, and the guarded
// division that turns an empty row into 0.
// CHECK-LABEL: func @sdpa_masked
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : i32
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.cmpf ogt
// CHECK: arith.divf
// CHECK: arith.truncf {{.*}} to bf16
// CHECK-NOT: attn.sdpa
func.func @sdpa_masked(%q: tensor<1x2x4x8xbf16>, %k: tensor<1x1x6x8xbf16>, %m: tensor<1x6xi1>) -> tensor<1x2x4x8xbf16> {
  %o = attn.sdpa %q, %k, %k key_mask %m : (tensor<1x2x4x8xbf16>, tensor<1x1x6x8xbf16>, tensor<1x1x6x8xbf16>, tensor<1x6xi1>) -> tensor<1x2x4x8xbf16>
  return %o : tensor<1x2x4x8xbf16>
}

// block_sparse: the key list of query block i/block_q is read through
// kv_indices with a floordiv map; ids are clamped before any read.
// CHECK-LABEL: func @block_sparse_rows
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}]
// CHECK: arith.minsi
// CHECK: tensor.extract %{{.*}} : tensor<2xi32>
// CHECK-NOT: attn.block_sparse
func.func @block_sparse_rows(%q: tensor<1x1x8x4xf32>, %i: tensor<1x1x2x1xi32>, %c: tensor<1x1x2xi32>, %s: tensor<2xi32>) -> tensor<1x1x8x4xf32> {
  %o = attn.block_sparse %q, %q, %q, %i, %c, %s block_q 4 block_kv 4 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x2x1xi32>, tensor<1x1x2xi32>, tensor<2xi32>) -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}
