//===- SlidingTilePlan.h - static block tables for STA ----------*- C++ -*-===//
//
// The compile-time sparsity plan of attn.sliding_tile: for every query head
// and query block (a tile, or a block of text tokens), the ascending list of
// kv blocks it attends to, plus the number of valid keys per kv block. Used by
// attn-plan-sparsity and by the GPU launch plans.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_UTILS_SLIDINGTILEPLAN_H
#define ATTN_DIALECT_ATTN_UTILS_SLIDINGTILEPLAN_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include <array>
#include <cstdint>
#include <vector>

namespace mlir {
namespace attn {

/// Kv tiles seen along one dimension by a query in tile `q` of `n` tiles with
/// window `k`: the SPEC's shifted window, [lo, hi] inclusive.
std::pair<int64_t, int64_t> slidingWindowRange(int64_t q, int64_t n, int64_t k);

struct SlidingTilePlan {
  /// `windows` holds one (k_t, k_h, k_w) per query head (or one for all).
  static SlidingTilePlan build(llvm::ArrayRef<int64_t> tileGrid,
                               llvm::ArrayRef<int64_t> tile,
                               llvm::ArrayRef<std::array<int64_t, 3>> windows,
                               int64_t numHeads, int64_t seqLen,
                               int64_t textLength);

  int64_t blockSize = 0;  ///< P = a*b*c.
  int64_t numImageBlocks = 0;
  int64_t numBlocks = 0;  ///< image tiles + ceil(S_text / P) text blocks.
  int64_t maxCount = 0;   ///< K: the longest row.
  int64_t numHeads = 0;
  /// [numHeads][numBlocks][maxCount], entries past the count are 0.
  std::vector<int32_t> indices;
  /// [numHeads][numBlocks].
  std::vector<int32_t> counts;
  /// [numBlocks]: valid keys of each kv block.
  std::vector<int32_t> blockSizes;
};

} // namespace attn
} // namespace mlir

#endif // ATTN_DIALECT_ATTN_UTILS_SLIDINGTILEPLAN_H
