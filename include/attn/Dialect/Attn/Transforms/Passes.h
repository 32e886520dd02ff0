//===- Passes.h - attn dialect passes ---------------------------*- C++ -*-===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_H
#define ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace attn {

/// attn.vsa -> block_mean, coarse scores, sdpa, block_topk, block_sparse,
/// combine.
void populateDecomposeVsaPatterns(RewritePatternSet &patterns);
/// attn.sliding_tile -> attn.block_sparse with constant tables.
void populatePlanSparsityPatterns(RewritePatternSet &patterns);
/// Cancel tile/untile pairs (through token-wise ops and loop-carried
/// values), compose the rest into single gathers.
void populateFoldLayoutPatterns(RewritePatternSet &patterns);

#define GEN_PASS_DECL
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_H
