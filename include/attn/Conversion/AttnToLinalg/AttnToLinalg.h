//===- AttnToLinalg.h - lower attn ops to linalg on tensors -----*- C++ -*-===//

#ifndef ATTN_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H
#define ATTN_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H

#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace attn {

/// attn.tile / attn.untile -> one gather each (linalg.generic over the result
/// with a constant slot table).
void populateTilingToLinalgPatterns(RewritePatternSet &patterns);
/// attn.sdpa / attn.block_sparse -> masked softmax attention in linalg
/// (scores, row max, exp-sum, weighted values; f32 throughout).
void populateAttentionToLinalgPatterns(RewritePatternSet &patterns);
/// attn.sdpa_grad, attn.block_sparse_grad -> linalg (the backward on the
/// CPU path: dense intermediates, P recomputed).
void populateAttentionGradToLinalgPatterns(RewritePatternSet &patterns);
/// attn.mask_from_lengths, attn.block_mean, attn.block_topk -> linalg.
void populateBlockOpsToLinalgPatterns(RewritePatternSet &patterns);
/// attn.lse_merge as two linalg.generic ops (LseMergeToLinalg.cpp).
void populateLseMergeToLinalgPatterns(RewritePatternSet &patterns);
/// V-MoBA's attn.chunk_mean, attn.chunk_select, attn.chunk_attention ->
/// linalg (ChunkOpsToLinalg.cpp).
void populateChunkOpsToLinalgPatterns(RewritePatternSet &patterns);
/// SVG2's attn.kmeans, attn.cluster_select, attn.cluster_attention ->
/// linalg and scf (ClusterOpsToLinalg.cpp).
void populateClusterOpsToLinalgPatterns(RewritePatternSet &patterns);
/// attn.sage_sdpa as an f32 emulation of SageAttention2's numerics
/// (SageOpsToLinalg.cpp).
void populateSageOpsToLinalgPatterns(RewritePatternSet &patterns);
/// Marks the linalg.generic that buildTokenGather creates.
inline constexpr const char kTokenGatherAttr[] = "attn.token_gather";

/// The gather both tile and untile lower to: out[b,h,s,d] = table[s] >= 0 ?
/// in[b,h,table[s],d] : 0, as one linalg.generic with a constant table.
Value buildTokenGather(OpBuilder &b, Location loc, Value input,
                       RankedTensorType resultType, ArrayRef<int64_t> table);

/// Folds token gathers into the loads of their consumers, so no permuted
/// copy is materialized: a tensor.extract from a gather reads the source
/// through the table, and a linalg.generic reading a gather through an
/// indexing map absorbs the gather (elementwise fusion).
void populateFoldTokenGatherPatterns(RewritePatternSet &patterns);

/// All of the above.
void populateAttnToLinalgPatterns(RewritePatternSet &patterns);

#define GEN_PASS_DECL_CONVERTATTNTOLINALG
#include "attn/Conversion/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H
