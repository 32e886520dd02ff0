//===- BlockPatternText.h - a sparsity plan drawn as terminal text -*- C++ -*-===//
//
// The block pattern of a SlidingTilePlan for a person: one line per query
// block, one cell per kv block, attended "██" / skipped "░░" (the glyphs of
// attn_mlir.viz.render, like FlexAttention's BlockMask repr). Used by
// attn-plan-sparsity's report.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_UTILS_BLOCKPATTERNTEXT_H
#define ATTN_DIALECT_ATTN_UTILS_BLOCKPATTERNTEXT_H

#include "attn/Dialect/Attn/Utils/SlidingTilePlan.h"

#include <string>

namespace mlir {
namespace attn {

/// Query blocks attended by head `head`: the number of (query block, kv
/// block) pairs of its rows.
int64_t attendedBlocks(const SlidingTilePlan &plan, int64_t head);

/// Whether heads `a` and `b` have the same rows.
bool sameHeadPattern(const SlidingTilePlan &plan, int64_t a, int64_t b);

/// The picture of head `head`: a header line "NqxNkv blocks, A of T blocks
/// attended (density D%)", then the first `maxBlocks` rows and columns
/// (" ..." ends a cut row, a "..." line a cut picture). Lines end in '\n'.
std::string renderBlockPattern(const SlidingTilePlan &plan, int64_t head,
                               int64_t maxBlocks = 64);

} // namespace attn
} // namespace mlir

#endif // ATTN_DIALECT_ATTN_UTILS_BLOCKPATTERNTEXT_H
