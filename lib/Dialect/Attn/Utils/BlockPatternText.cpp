//===- BlockPatternText.cpp - a sparsity plan drawn as terminal text ------===//

#include "attn/Dialect/Attn/Utils/BlockPatternText.h"

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace mlir::attn;

namespace {
const char *kOn = "\u2588\u2588";
const char *kOff = "\u2591\u2591";

const int32_t *rowIndices(const SlidingTilePlan &plan, int64_t head, int64_t q) {
  return plan.indices.data() + (head * plan.numBlocks + q) * plan.maxCount;
}
int32_t rowCount(const SlidingTilePlan &plan, int64_t head, int64_t q) {
  return plan.counts[head * plan.numBlocks + q];
}
} // namespace

int64_t mlir::attn::attendedBlocks(const SlidingTilePlan &plan, int64_t head) {
  int64_t n = 0;
  for (int64_t q = 0; q < plan.numBlocks; ++q)
    n += rowCount(plan, head, q);
  return n;
}

bool mlir::attn::sameHeadPattern(const SlidingTilePlan &plan, int64_t a,
                                 int64_t b) {
  for (int64_t q = 0; q < plan.numBlocks; ++q) {
    int32_t n = rowCount(plan, a, q);
    if (n != rowCount(plan, b, q) ||
        !std::equal(rowIndices(plan, a, q), rowIndices(plan, a, q) + n,
                    rowIndices(plan, b, q)))
      return false;
  }
  return true;
}

std::string mlir::attn::renderBlockPattern(const SlidingTilePlan &plan,
                                           int64_t head, int64_t maxBlocks) {
  const int64_t n = plan.numBlocks, total = n * n;
  const int64_t attended = attendedBlocks(plan, head);
  char header[160];
  std::snprintf(header, sizeof(header),
                "%lldx%lld blocks, %lld of %lld blocks attended (density %.2f%%)\n",
                (long long)n, (long long)n, (long long)attended,
                (long long)total, total ? 100.0 * attended / total : 0.0);
  std::string out = header;
  const int64_t shown = std::min(n, maxBlocks);
  std::vector<bool> row(n);
  for (int64_t q = 0; q < shown; ++q) {
    std::fill(row.begin(), row.end(), false);
    const int32_t *idx = rowIndices(plan, head, q);
    for (int32_t i = 0, c = rowCount(plan, head, q); i < c; ++i)
      if (idx[i] >= 0 && idx[i] < n)
        row[idx[i]] = true;
    for (int64_t k = 0; k < shown; ++k)
      out += row[k] ? kOn : kOff;
    out += n > maxBlocks ? " ...\n" : "\n";
  }
  if (n > maxBlocks)
    out += "...\n";
  return out;
}
