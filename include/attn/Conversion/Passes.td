//===- Passes.td - attn conversion passes ------------------*- tablegen -*-===//

#ifndef ATTN_CONVERSION_PASSES
#define ATTN_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalg : Pass<"convert-attn-to-linalg", "ModuleOp"> {
  let summary = "Lower attn ops to linalg/tensor/arith/math on tensors";
  let description = [{
    The CPU reference lowering of every non-composite `attn` op (run
    `attn-decompose-vsa` and `attn-plan-sparsity` first; the `attn-to-cpu`
    pipeline does). Shapes must be static.

    - `attn.tile` / `attn.untile`: one `linalg.generic` gather over the result
      with a constant slot table from the tile geometry; pad slots are 0.
    - `attn.sdpa` / `attn.block_sparse`: a key-row table (`-1` = invalid key)
      drives four generics: scores `q.k` (f32), row max, `exp(s*scale - max)`
      and its sum, then the weighted sum of values divided by the sum; a row
      with no valid key gives 0. Block-sparse keys are gathered through
      `kv_indices` (ids clamped for memory safety; `attn-run` rejects
      out-of-range ids before running).
    - `attn.mask_from_lengths`: `j < lengths[b]`.
    - `attn.block_mean`: masked f32 sum over the first `block_sizes[j]` slots
      divided by the count.
    - `attn.block_topk`: rank of each score (ties to the lower id), selection
      `rank < k`, then compaction to ascending ids.

    With `fold-gathers` (default), a tile or untile gather feeding another
    op's loads is folded into them: a `tensor.extract` from the gather reads
    the raster source through the slot table, and a `linalg.generic` reading
    the gather through an indexing map absorbs it (elementwise fusion). So
    `attn.tile` feeding attention materializes no tiled copy: the kernel reads
    raster order through the index.

    Example:

    ```mlir
    %m = attn.mask_from_lengths %len size 4 : tensor<2xi32>
    // becomes
    %e = tensor.empty() : tensor<2x4xi1>
    %m = linalg.generic {indexing_maps = [(b, j) -> (b), (b, j) -> (b, j)], ...}
           ins(%len : tensor<2xi32>) outs(%e : tensor<2x4xi1>) { j < len }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"foldGathers", "fold-gathers", "bool", /*default=*/"true",
           "Fold tile/untile gathers into the loads of their consumers">
  ];
}

#endif // ATTN_CONVERSION_PASSES
